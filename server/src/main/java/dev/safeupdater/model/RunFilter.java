package dev.safeupdater.model;

import java.time.Instant;

/**
 * Filters for listing update runs; null fields do not filter. {@code image} is the repository exactly, {@code scope}
 * the name of the scope that decided, {@code state} one of the run states; {@code from} (inclusive) and {@code to}
 * (exclusive) bound when the run was created.
 */
public record RunFilter(Long assetId, String namespace, String image, String source, String scope, String state,
                        Instant from, Instant to) {
    public static RunFilter none() {
        return new RunFilter(null, null, null, null, null, null, null, null);
    }
}
