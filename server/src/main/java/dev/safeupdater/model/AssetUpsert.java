package dev.safeupdater.model;

/** The result of registering or updating an asset slot: the stored asset and whether it was new. */
public record AssetUpsert(Asset asset, boolean created) {
}
