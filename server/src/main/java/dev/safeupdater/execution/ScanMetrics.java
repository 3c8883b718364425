package dev.safeupdater.execution;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.safeupdater.store.TrackedCount;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.service.registry.Services;

/**
 * {@code safe_updater_scans_total{source,status}}, {@code safe_updater_scan_duration_seconds{source}} and
 * {@code safe_updater_assets_tracked{source,kind}} (current, not gone, assets).
 */
final class ScanMetrics {
    /** Process-wide: the registry keeps the first supplier registered for a name and tags. */
    private static final Map<String, AtomicLong> TRACKED = new ConcurrentHashMap<>();

    void scanned(String source, String status, Duration took) {
        Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_scans")
                        .description("Inventory scans per source, by result (SUCCEEDED, PARTIAL, FAILED)")
                        .tags(List.of(Tag.create("source", source), Tag.create("status", status))))
                .increment();
        Services.get(MeterRegistry.class).getOrCreate(Timer.builder("safe_updater_scan_duration")
                        .description("Time to list one inventory source and store what it saw")
                        .tags(List.of(Tag.create("source", source)))
                        .publishPercentileHistogram(false))
                .record(took);
    }

    /** Sets the tracked-assets gauges to {@code counts}; source/kind pairs no longer present drop to 0. */
    void tracked(List<TrackedCount> counts) {
        Set<String> present = new HashSet<>();
        for (TrackedCount c : counts) {
            String key = c.source() + "\u0000" + c.kind();
            present.add(key);
            gauge(key, c.source(), c.kind()).set(c.count());
        }
        TRACKED.forEach((key, value) -> {
            if (!present.contains(key)) {
                value.set(0);
            }
        });
    }

    private AtomicLong gauge(String key, String source, String kind) {
        return TRACKED.computeIfAbsent(key, k -> {
            AtomicLong value = new AtomicLong();
            Services.get(MeterRegistry.class).getOrCreate(Gauge.builder("safe_updater_assets_tracked", value::get)
                    .description("Assets the inventory tracks now (not gone), by source and kind")
                    .tags(List.of(Tag.create("source", source), Tag.create("kind", kind))));
            return value;
        });
    }
}
