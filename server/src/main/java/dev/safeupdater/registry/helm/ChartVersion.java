package dev.safeupdater.registry.helm;

import java.time.Instant;
import java.util.List;

/**
 * One published version of a chart in an HTTP repository's {@code index.yaml}. (Charts in OCI repositories are
 * looked up like images: their versions are the repository's tags.)
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
