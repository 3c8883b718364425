package dev.safeupdater.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * The evaluation time as a fact: {@code Clock( $now : now )}. One per evaluation call, shared by every candidate of
 * that call; tests and owners' test cases set it, the server uses its clock. Rules must never read the system
 * time themselves, so every decision can be replayed.
 */
public final class Clock {
    private final Instant now;

    public Clock(Instant now) {
        this.now = java.util.Objects.requireNonNull(now, "now");
    }

    public Instant now() {
        return now;
    }

    /** The instant {@code d} before now, e.g. {@code $clock.ago(Duration.ofHours(24))}. */
    public Instant ago(Duration d) {
        return now.minus(d);
    }

    /** Now in the given IANA zone, e.g. {@code Clock( zoned("Europe/Berlin").getHour() >= 17 )}. */
    public ZonedDateTime zoned(String zone) {
        return now.atZone(ZoneId.of(zone));
    }

    @Override
    public String toString() {
        return "Clock[" + now + "]";
    }
}
