package dev.safeupdater.app;

import java.util.Optional;

import io.helidon.common.Weight;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.ScopingConfig;
import io.helidon.metrics.spi.MetricsProgrammaticConfig;

/**
 * No {@code scope} label on any meter. Helidon SE records each meter's scope ({@code application}, {@code base},
 * {@code vendor}) as a tag, and its own programmatic settings put the tag name back over any configured one; this
 * service (found by the {@link java.util.ServiceLoader}, weighed above Helidon's so it is applied last) clears the
 * name, so Helidon adds no scope tag at all. The tag is never created, rather than dropped on the way out: meter ids
 * stay what Helidon looks meters up (and removes them) by.
 */
@Weight(1000)
public final class UnscopedMetrics implements MetricsProgrammaticConfig {
    /** For the service loader. */
    public UnscopedMetrics() {
    }

    @Override
    public Optional<String> scopeTagName() {
        return Optional.empty();
    }

    @Override
    public MetricsConfig.Builder apply(MetricsConfig.Builder builder) {
        ScopingConfig scoping = builder.scoping().orElseGet(ScopingConfig::create);
        return builder.scoping(ScopingConfig.builder().from(scoping).clearTagName().build());
    }
}
