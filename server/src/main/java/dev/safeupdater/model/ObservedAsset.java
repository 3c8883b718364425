package dev.safeupdater.model;

import java.util.Map;
import java.util.Objects;

/**
 * One asset slot as an inventory source saw it during a scan: where it runs, the image it runs (repository as
 * written, without tag or digest), and source-specific {@code details} that are never secrets. Kept small on purpose:
 * a scan of 10,000 workloads holds one of these per container, not the API objects they came from.
 */
public record ObservedAsset(AssetKey key,
                            String image,
                            String tag,
                            String digest,
                            Map<String, String> labels,
                            Map<String, String> annotations,
                            Map<String, Object> details) {
    public ObservedAsset {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(image, "image");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        details = details == null ? Map.of() : Map.copyOf(details);
    }
}
