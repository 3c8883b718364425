package dev.safeupdater.registry.helm;

import java.time.Instant;
import java.util.List;

/**
 * One published version of a chart. From an HTTP repository's {@code index.yaml} every field may be known; from an
 * OCI repository only {@code version} (the tag, with Helm's {@code _} turned back into {@code +}).
 *
 * @param created when the repository says the version was published (null: unknown)
 * @param urls where the chart archive can be downloaded (absolute)
 */
public record ChartVersion(String version, String appVersion, Instant created, String digest, boolean deprecated,
                           List<String> urls) {
    public ChartVersion {
        urls = urls == null ? List.of() : List.copyOf(urls);
    }
}
