package dev.safeupdater.policy;

import java.time.Instant;

/** A period in which nothing changes: from (inclusive) to (exclusive), with the reason owners gave. */
public record Freeze(Instant from, Instant to, String reason) {
    public boolean covers(Instant t) {
        return !t.isBefore(from) && t.isBefore(to);
    }

    @Override
    public String toString() {
        return from + " to " + to + (reason == null ? "" : " (" + reason + ")");
    }
}
