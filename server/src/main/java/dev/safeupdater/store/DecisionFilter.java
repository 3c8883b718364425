package dev.safeupdater.store;

import java.time.Instant;

import dev.safeupdater.model.Outcome;

/** Filters for listing decisions; null fields do not filter. {@code from} is inclusive, {@code to} exclusive. */
public record DecisionFilter(Long assetId, Outcome outcome, Instant from, Instant to) {
    public static DecisionFilter all() {
        return new DecisionFilter(null, null, null, null);
    }
}
