package dev.safeupdater.policy;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as policy owners write them: {@code 30m}, {@code 12h}, {@code 3d}, {@code 1w2d}, {@code 1h30m},
 * {@code 0}, or ISO-8601 ({@code P3D}, {@code PT12H}). Negative durations are refused.
 */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");
    private static final long MAX_SECONDS = Duration.ofDays(3660).toSeconds();
    private static final long[] PARSE_UNITS = {7 * 86_400L, 86_400L, 3_600L, 60L, 1L};
    private static final long[] FORMAT_UNITS = {86_400L, 3_600L, 60L, 1L};
    private static final String[] FORMAT_NAMES = {"d", "h", "m", "s"};

    private Durations() {
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} with a message an owner can act on. */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Duration d;
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                d = Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw bad(text);
            }
        } else {
            Matcher m = SHORT.matcher(t);
            if (t.isEmpty() || !m.matches()) {
                throw bad(text);
            }
            long seconds = 0;
            long[] unit = PARSE_UNITS;
            for (int i = 0; i < unit.length; i++) {
                String g = m.group(i + 1);
                if (g != null) {
                    if (g.length() > 7) {
                        throw new IllegalArgumentException("duration \"" + text + "\" is too long (at most 10 years)");
                    }
                    seconds += Long.parseLong(g) * unit[i];
                }
            }
            d = Duration.ofSeconds(seconds);
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("duration \"" + text + "\" is negative");
        }
        if (d.toSeconds() > MAX_SECONDS) {
            throw new IllegalArgumentException("duration \"" + text + "\" is too long (at most 10 years)");
        }
        return d;
    }

    /** The short form of {@code d}: {@code 3d}, {@code 1h30m}, {@code 0s}. */
    public static String format(Duration d) {
        if (d == null) {
            return null;
        }
        long s = d.toSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long[] unit = FORMAT_UNITS;
        String[] name = FORMAT_NAMES;
        for (int i = 0; i < unit.length; i++) {
            if (s >= unit[i]) {
                sb.append(s / unit[i]).append(name[i]);
                s %= unit[i];
            }
        }
        return sb.toString();
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not a duration (write e.g. 30m, 12h, 3d, 1w2d, 1h30m,"
                + " or ISO-8601 such as P3D)");
    }
}
