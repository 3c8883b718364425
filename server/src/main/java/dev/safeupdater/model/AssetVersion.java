package dev.safeupdater.model;

import java.time.Instant;

/**
 * A running version an asset was newly observed with: {@code scanId} is the scan that saw it (null when the API or a
 * Kubernetes watch recorded it), {@code observedBy} the source name or API actor.
 */
public record AssetVersion(long id, long assetId, String tag, String digest, Instant observedAt, Long scanId,
                           String observedBy) {
}
