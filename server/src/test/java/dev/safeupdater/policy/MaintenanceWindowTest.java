package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;

/** Windows in real time zones: midnight crossings, the week's wrap, daylight saving time. */
class MaintenanceWindowTest {
    private static Instant t(String s) {
        return Instant.parse(s);
    }

    @Test
    void openInsideClosedOutside() {
        MaintenanceWindow w = MaintenanceWindow.parse("Sat 02:00-06:00 Europe/Berlin");
        assertTrue(w.isOpen(t("2026-03-14T01:00:00Z")), "02:00 Berlin (UTC+1) is the start");
        assertTrue(w.isOpen(t("2026-03-14T04:59:59Z")));
        assertFalse(w.isOpen(t("2026-03-14T05:00:00Z")), "the end is exclusive");
        assertFalse(w.isOpen(t("2026-03-14T00:59:59Z")));
        assertFalse(w.isOpen(t("2026-03-15T02:00:00Z")), "Sunday");
        assertEquals(ZonedDateTime.parse("2026-03-21T02:00+01:00[Europe/Berlin]"),
                w.nextOpening(t("2026-03-14T01:00:00Z")), "the next opening is strictly later");
    }

    @Test
    void rangesCrossMidnightIntoTheNextDay() {
        MaintenanceWindow w = MaintenanceWindow.parse("Fri 22:00-02:00 UTC");
        assertTrue(w.isOpen(t("2026-03-13T23:00:00Z")), "Friday night");
        assertTrue(w.isOpen(t("2026-03-14T01:30:00Z")), "early Saturday belongs to Friday's window");
        assertFalse(w.isOpen(t("2026-03-14T02:00:00Z")));
        assertFalse(w.isOpen(t("2026-03-13T01:00:00Z")), "early Friday belongs to Thursday, which has no window");
    }

    @Test
    void theWeekWrapsFromSundayToMonday() {
        MaintenanceWindow w = MaintenanceWindow.parse("Sun 23:00-01:00 UTC");
        assertTrue(w.isOpen(t("2026-03-16T00:30:00Z")), "Monday 00:30 is in Sunday's window");
        assertEquals(ZonedDateTime.parse("2026-03-22T23:00Z[UTC]"), w.nextOpening(t("2026-03-16T00:30:00Z")));
    }

    @Test
    void daylightSavingTimeMovesTheWindowInUtc() {
        MaintenanceWindow w = MaintenanceWindow.parse("daily 03:00-04:00 Europe/Berlin");
        assertTrue(w.isOpen(t("2026-03-28T02:30:00Z")), "before the change: 03:30 CET");
        assertTrue(w.isOpen(t("2026-03-29T01:30:00Z")), "after the change: 03:30 CEST");
        assertFalse(w.isOpen(t("2026-03-29T02:30:00Z")));
        // 02:30 does not exist on 2026-03-29 in Berlin: the window opens when the clocks jump, at 03:00 CEST
        MaintenanceWindow gap = MaintenanceWindow.parse("Sun 02:30-03:30 Europe/Berlin");
        assertEquals(Instant.parse("2026-03-29T01:30:00Z"),
                gap.nextOpening(t("2026-03-28T12:00:00Z")).toInstant());
    }

    @Test
    void fullDaysAndLists() {
        MaintenanceWindow w = MaintenanceWindow.parse("Sat,Sun 00:00-24:00 UTC");
        assertTrue(w.isOpen(t("2026-03-14T00:00:00Z")));
        assertTrue(w.isOpen(t("2026-03-15T23:59:59Z")));
        assertFalse(w.isOpen(t("2026-03-16T00:00:00Z")));
        MaintenanceWindow weekdays = MaintenanceWindow.parse("weekdays 12:00-13:00 Asia/Tokyo");
        assertEquals(5, weekdays.days().size());
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MaintenanceWindow.parse("Sat 02:00-06:00"));
        assertThrows(IllegalArgumentException.class, () -> MaintenanceWindow.parse("Sat 24:00-02:00 UTC"));
        assertThrows(IllegalArgumentException.class, () -> MaintenanceWindow.parse("Sat,Sat 01:00-02:00 UTC"));
        assertThrows(IllegalArgumentException.class, () -> MaintenanceWindow.parse("Mon-Fri,Wed 01:00-02:00 UTC"));
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> MaintenanceWindow.parse("Fri,Sat 22:00-03:00,01:00-02:00 UTC"));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MaintenanceWindow.parse("Sat 2:00pm-3:00pm UTC"));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofDays(9), Durations.parse("1w2d"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofDays(3), Durations.parse("P3D"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertEquals("1d12h", Durations.format(Duration.ofHours(36)));
        for (String bad : new String[] {"", "3", "3 days", "-1h", "PT-1H", "1h1d", "99999999d"}) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
    }
}
