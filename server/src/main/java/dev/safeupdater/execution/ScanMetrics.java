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
 * {@code safe_updater_scans_total{source,status}}, {@code safe_updater_scan_duration_seconds{source}} (both for every
 * configured source from the start) and {@code safe_updater_assets_tracked{source,kind}} (current, not gone, assets;
 * an asset's source is its platform: {@code kubernetes}, {@code docker}, {@code helm}, {@code static}). The kinds the
 * platform sources list are there at 0 from the start; a static asset's kind is whatever its file or API call says,
 * so those appear with the first such asset.
 */
final class ScanMetrics {
    /** Process-wide: the registry keeps the first supplier registered for a name and tags. */
    private static final Map<String, AtomicLong> TRACKED = new ConcurrentHashMap<>();

    /** Histogram buckets of a scan's duration: from a static file (ms) to a large cluster (minutes). */
    private static final Duration[] BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(15)};

    void scanned(String source, String status, Duration took) {
        scans(source, status).increment();
        duration(source).record(took);
    }

    /** The kinds each platform's inventory lists (the Kubernetes workload kinds, a Docker container, a Helm release). */
    static final Map<String, List<String>> PLATFORM_KINDS = Map.of(
            "kubernetes", List.of("Deployment", "StatefulSet", "DaemonSet", "CronJob"),
            "docker", List.of("Container"),
            "helm", List.of("HelmRelease"));

    /**
     * Every source's counters and histogram at 0, and the tracked-assets gauge of every platform kind, so rates and
     * alerts work before the first scan.
     */
    void declare(List<String> sources) {
        for (String source : sources) {
            for (String status : List.of("SUCCEEDED", "PARTIAL", "FAILED")) {
                scans(source, status);
            }
            duration(source);
        }
        PLATFORM_KINDS.forEach((platform, kinds) -> kinds.forEach(kind -> gauge(platform + "\u0000" + kind, platform,
                kind)));
    }

    private static Counter scans(String source, String status) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_scans")
                .description("Inventory scans per source, by result (SUCCEEDED, PARTIAL, FAILED)")
                .tags(List.of(Tag.create("source", source), Tag.create("status", status))));
    }

    private static Timer duration(String source) {
        return Services.get(MeterRegistry.class).getOrCreate(Timer.builder("safe_updater_scan_duration")
                .description("Time to list one inventory source and store what it saw")
                .tags(List.of(Tag.create("source", source)))
                .publishPercentileHistogram(false)
                .buckets(BUCKETS));
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
