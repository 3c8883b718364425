package dev.safeupdater.inventory;

import java.util.List;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;

/**
 * What a source saw in one scan.
 *
 * @param assets every asset slot seen
 * @param unlisted parts of the source that could not be listed this time (e.g. a namespace answering 403); the store
 *                 keeps their assets as they were instead of marking them gone
 * @param warnings what went wrong without failing the whole source, for operators
 * @param apiRequests requests sent to the source's API during this scan
 * @param pullSecrets registry credentials resolved from pull-secret references (only when configured and
 *                    permitted); kept in memory, never stored or shown
 */
public record SourceScan(List<ObservedAsset> assets,
                         List<Unlisted> unlisted,
                         List<String> warnings,
                         int apiRequests,
                         List<PullSecret> pullSecrets) {
    public SourceScan {
        assets = List.copyOf(assets);
        unlisted = List.copyOf(unlisted);
        warnings = List.copyOf(warnings);
        pullSecrets = List.copyOf(pullSecrets);
    }

    /** A part of a source that was not listed: one namespace (null: every namespace) and one kind (null: every kind). */
    public record Unlisted(String namespace, String kind) {
        /** True when {@code key} lies in this part. */
        public boolean covers(AssetKey key) {
            return (namespace == null || namespace.equals(key.namespace()))
                    && (kind == null || kind.equals(key.kind()));
        }
    }

    /** True when {@code key} lies in a part that was not listed. */
    public boolean unlistedCovers(AssetKey key) {
        for (Unlisted u : unlisted) {
            if (u.covers(key)) {
                return true;
            }
        }
        return false;
    }
}
