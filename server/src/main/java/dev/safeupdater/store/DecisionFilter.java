package dev.safeupdater.store;

import java.time.Instant;

import dev.safeupdater.model.Outcome;

/**
 * Filters for listing decisions; null fields do not filter. {@code from} is inclusive, {@code to} exclusive;
 * {@code mode} is ENFORCE or DRY_RUN; {@code scope} a scope name.
 */
public record DecisionFilter(Long assetId, Outcome outcome, Instant from, Instant to, String mode, String scope) {
    public DecisionFilter(Long assetId, Outcome outcome, Instant from, Instant to) {
        this(assetId, outcome, from, to, null, null);
    }

    public static DecisionFilter all() {
        return new DecisionFilter(null, null, null, null);
    }
}
