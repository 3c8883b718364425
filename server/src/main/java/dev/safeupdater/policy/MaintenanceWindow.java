package dev.safeupdater.policy;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When changes may be applied: some days of the week, one or more time ranges on each of them, in one IANA time
 * zone, e.g. {@code Sat 02:00-06:00 Europe/Berlin} or {@code Mon-Fri 22:00-02:00,12:00-13:00 UTC}. A range whose end
 * is before its start runs past midnight into the next day; {@code 24:00} is the end of the day. Local times that do
 * not exist on a daylight-saving day move forward as the clocks do.
 */
public record MaintenanceWindow(String text, Set<DayOfWeek> days, List<TimeRange> times, ZoneId zone) {
    private static final Pattern RANGE = Pattern.compile("(\\d{1,2}):(\\d{2})-(\\d{1,2}):(\\d{2})");
    private static final int DAY = 24 * 60;

    public MaintenanceWindow {
        days = days.isEmpty() ? Set.of() : EnumSet.copyOf(days);
        times = List.copyOf(times);
    }

    /** Minutes of the day: start in [0, 1440), end in (0, 1440]; end &lt;= start means "until end on the next day". */
    public record TimeRange(int start, int end) {
        boolean crossesMidnight() {
            return end <= start;
        }

        int length() {
            return crossesMidnight() ? DAY - start + end : end - start;
        }

        @Override
        public String toString() {
            return hhmm(start) + "-" + hhmm(end);
        }
    }

    /** Parses the one-line form {@code DAYS TIMES ZONE}. */
    public static MaintenanceWindow parse(String text) {
        String[] parts = text.strip().split("\\s+");
        if (parts.length != 3) {
            throw new IllegalArgumentException("maintenance window \"" + text + "\" must read DAYS TIMES ZONE, e.g."
                    + " \"Sat 02:00-06:00 Europe/Berlin\" or \"Mon-Fri 22:00-02:00,12:00-13:00 UTC\"");
        }
        return of(text.strip(), List.of(parts[0].split(",", -1)), List.of(parts[1].split(",", -1)), parts[2]);
    }

    /** Builds a window from its parts; throws {@link IllegalArgumentException} saying what is wrong. */
    public static MaintenanceWindow of(String text, List<String> dayItems, List<String> rangeItems, String zoneId) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : dayItems) {
            for (DayOfWeek d : days(item.strip())) {
                if (!days.add(d)) {
                    throw new IllegalArgumentException("day " + shortName(d) + " is listed twice in \"" + text + "\"");
                }
            }
        }
        List<TimeRange> ranges = new ArrayList<>();
        for (String r : rangeItems) {
            ranges.add(range(r.strip()));
        }
        ZoneId zone = zone(zoneId);
        MaintenanceWindow w = new MaintenanceWindow(text, days, ranges, zone);
        String overlap = w.overlap();
        if (overlap != null) {
            throw new IllegalArgumentException("time ranges overlap in \"" + text + "\": " + overlap);
        }
        return w;
    }

    static ZoneId zone(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a time zone is required (an IANA name such as Europe/Berlin, or UTC)");
        }
        try {
            return ZoneId.of(id.strip());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone \"" + id + "\" (use an IANA name such as"
                    + " Europe/Berlin, America/New_York or UTC)");
        }
    }

    private static Set<DayOfWeek> days(String item) {
        String v = item.toLowerCase(Locale.ROOT);
        if (v.equals("daily") || v.equals("*")) {
            return EnumSet.allOf(DayOfWeek.class);
        }
        if (v.equals("weekdays")) {
            return EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);
        }
        if (v.equals("weekends")) {
            return EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
        }
        int dash = v.indexOf('-');
        if (dash > 0) {
            DayOfWeek from = day(item.substring(0, dash));
            DayOfWeek to = day(item.substring(dash + 1));
            Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
            for (DayOfWeek d = from; ; d = d.plus(1)) {
                out.add(d);
                if (d == to) {
                    break;
                }
            }
            return out;
        }
        return EnumSet.of(day(item));
    }

    private static DayOfWeek day(String name) {
        String v = name.strip().toLowerCase(Locale.ROOT);
        for (DayOfWeek d : DayOfWeek.values()) {
            String full = d.getDisplayName(TextStyle.FULL, Locale.ENGLISH).toLowerCase(Locale.ROOT);
            if (v.equals(full) || (v.length() == 3 && full.startsWith(v))) {
                return d;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not a day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun,"
                + " ranges such as Mon-Fri, lists such as Sat,Sun, or daily)");
    }

    private static TimeRange range(String text) {
        Matcher m = RANGE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a time range HH:MM-HH:MM (24-hour clock)");
        }
        int start = minutes(m.group(1), m.group(2), false, text);
        int end = minutes(m.group(3), m.group(4), true, text);
        if (start == 0 && end == DAY) {
            return new TimeRange(0, DAY);
        }
        if (start == end % DAY) {
            throw new IllegalArgumentException("time range \"" + text + "\" is empty (start equals end)");
        }
        return new TimeRange(start, end);
    }

    private static int minutes(String h, String m, boolean end, String text) {
        int hours = Integer.parseInt(h);
        int mins = Integer.parseInt(m);
        if (mins > 59 || hours > 24 || (hours == 24 && (mins != 0 || !end))) {
            throw new IllegalArgumentException("\"" + text + "\" has an impossible time (hours 00-23, minutes 00-59;"
                    + " 24:00 only as an end)");
        }
        return hours * 60 + mins;
    }

    /** A description of the first overlap between this window's ranges, or null. */
    private String overlap() {
        List<int[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (DayOfWeek d : days) {
            int base = (d.getValue() - 1) * DAY;
            for (TimeRange r : times) {
                int s = base + r.start();
                int e = s + r.length();
                spans.add(new int[] {s, e});
                names.add(shortName(d) + " " + r);
            }
        }
        int week = 7 * DAY;
        for (int i = 0; i < spans.size(); i++) {
            for (int j = i + 1; j < spans.size(); j++) {
                int[] a = spans.get(i);
                int[] b = spans.get(j);
                for (int shift : new int[] {-week, 0, week}) {
                    if (a[0] < b[1] + shift && b[0] + shift < a[1]) {
                        return names.get(i) + " and " + names.get(j);
                    }
                }
            }
        }
        return null;
    }

    /** True when {@code t} falls inside this window. */
    public boolean isOpen(Instant t) {
        LocalDate today = t.atZone(zone).toLocalDate();
        for (int back = 0; back <= 1; back++) {
            LocalDate date = today.minusDays(back);
            if (!days.contains(date.getDayOfWeek())) {
                continue;
            }
            for (TimeRange r : times) {
                Instant start = at(date, r.start());
                Instant end = r.crossesMidnight() || r.end() == DAY ? at(date.plusDays(1), r.end() % DAY)
                        : at(date, r.end());
                if (!t.isBefore(start) && t.isBefore(end)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** When this window next opens strictly after {@code t} (in the window's zone), or null when it never does. */
    public ZonedDateTime nextOpening(Instant t) {
        LocalDate today = t.atZone(zone).toLocalDate();
        ZonedDateTime best = null;
        for (int ahead = 0; ahead <= 8 && best == null; ahead++) {
            LocalDate date = today.plusDays(ahead);
            if (!days.contains(date.getDayOfWeek())) {
                continue;
            }
            for (TimeRange r : times) {
                ZonedDateTime start = ZonedDateTime.of(date, LocalTime.ofSecondOfDay(r.start() * 60L), zone);
                if (start.toInstant().isAfter(t) && (best == null || start.isBefore(best))) {
                    best = start;
                }
            }
        }
        return best;
    }

    private Instant at(LocalDate date, int minute) {
        return ZonedDateTime.of(date, LocalTime.ofSecondOfDay(minute * 60L), zone).toInstant();
    }

    private static String hhmm(int minute) {
        return String.format(Locale.ROOT, "%02d:%02d", minute / 60, minute % 60);
    }

    private static String shortName(DayOfWeek d) {
        return d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
    }

    @Override
    public String toString() {
        return text;
    }
}
