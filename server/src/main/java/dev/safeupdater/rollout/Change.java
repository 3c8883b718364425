package dev.safeupdater.rollout;

import dev.safeupdater.model.AssetKey;

/**
 * One update as an applier sees it: which workload (the asset's coordinates as the inventory recorded them), from
 * which image reference to which, for which run. Images are full references ({@code registry/repo:tag} or
 * {@code ...@sha256:...}).
 *
 * @param runId      the update run; appliers mark the workload with it
 * @param assetId    the tracked asset
 * @param key        source, cluster, namespace, kind, name, container of the workload
 * @param fromImage  the image running before the update
 * @param toImage    the image to run
 */
public record Change(long runId, long assetId, AssetKey key, String fromImage, String toImage) {
}
