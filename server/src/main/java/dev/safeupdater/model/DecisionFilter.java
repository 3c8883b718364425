package dev.safeupdater.model;

import java.time.Instant;

/**
 * Filters for listing decisions; null fields do not filter. {@code from} is inclusive, {@code to} exclusive;
 * {@code mode} is ENFORCE or DRY_RUN; {@code scope} a scope name; {@code namespace}, {@code image} (the repository)
 * and {@code source} are the asset's; {@code rule} the name of a rule that fired (any of them, not only the deciding
 * one); {@code actor} who asked for the decision.
 */
public record DecisionFilter(Long assetId, Outcome outcome, Instant from, Instant to, String mode, String scope,
                             String namespace, String image, String source, String rule, String actor) {
    public DecisionFilter(Long assetId, Outcome outcome, Instant from, Instant to) {
        this(assetId, outcome, from, to, null, null, null, null, null, null, null);
    }

    public DecisionFilter(Long assetId, Outcome outcome, Instant from, Instant to, String mode, String scope) {
        this(assetId, outcome, from, to, mode, scope, null, null, null, null, null);
    }

    public static DecisionFilter all() {
        return new DecisionFilter(null, null, null, null);
    }

    /** Whether a filter reads the asset's columns (a join) rather than only the decision's. */
    public boolean needsAsset() {
        return namespace != null || image != null || source != null;
    }
}
