package dev.safeupdater.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A shell-style pattern: {@code *} matches any run of characters (also {@code /}), {@code ?} exactly one; everything
 * else matches itself. Matching is case-sensitive and covers the whole value. Shared by the inventory (namespace
 * selection) and the policy (scope matching), so a glob means the same everywhere.
 */
public record Glob(String pattern, Pattern regex, Kind kind, String fixed) {
    /** How a pattern is matched: plain text, a prefix ({@code abc*}), a suffix ({@code *abc}) or a regex. */
    enum Kind {
        LITERAL, PREFIX, SUFFIX, REGEX
    }

    public static Glob of(String pattern) {
        int stars = 0;
        for (char ch : pattern.toCharArray()) {
            stars += ch == '*' ? 1 : 0;
        }
        boolean question = pattern.indexOf('?') >= 0;
        if (!question && stars == 0) {
            return new Glob(pattern, null, Kind.LITERAL, pattern);
        }
        if (!question && stars == 1 && pattern.endsWith("*")) {
            return new Glob(pattern, null, Kind.PREFIX, pattern.substring(0, pattern.length() - 1));
        }
        if (!question && stars == 1 && pattern.startsWith("*")) {
            return new Glob(pattern, null, Kind.SUFFIX, pattern.substring(1));
        }
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            if (ch == '*' || ch == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(ch == '*' ? ".*" : ".");
            } else {
                literal.append(ch);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return new Glob(pattern, Pattern.compile(re.toString(), Pattern.DOTALL), Kind.REGEX, null);
    }

    /** True when the pattern has no wildcard (then it is compared as plain text). */
    public boolean literal() {
        return kind == Kind.LITERAL;
    }

    /** True when any of {@code globs} matches {@code value}. */
    public static boolean anyMatches(List<Glob> globs, String value) {
        for (Glob g : globs) {
            if (g.matches(value)) {
                return true;
            }
        }
        return false;
    }

    public boolean matches(String value) {
        if (value == null) {
            return false;
        }
        return switch (kind) {
            case LITERAL -> fixed.equals(value);
            case PREFIX -> value.startsWith(fixed);
            case SUFFIX -> value.endsWith(fixed);
            case REGEX -> regex.matcher(value).matches();
        };
    }

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        return pattern;
    }
}
