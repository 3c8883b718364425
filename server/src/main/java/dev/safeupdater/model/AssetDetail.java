package dev.safeupdater.model;

import java.util.List;
import java.util.Map;

import dev.safeupdater.model.Asset;

/**
 * One asset with what only the detail view shows: the inventory source that owns it ({@code origin}, null for assets
 * registered through the API), its source-specific details and the versions it was observed running, newest first.
 */
public record AssetDetail(Asset asset, String origin, Map<String, Object> details, List<AssetVersion> versions) {
    public AssetDetail {
        details = details == null ? Map.of() : details;
        versions = List.copyOf(versions);
    }
}
