package dev.safeupdater.execution;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.safeupdater.model.Cycle;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * {@code safe_updater_cycles_total{status}} (every status present from the start, SKIPPED included),
 * {@code safe_updater_cycle_duration_seconds{stage}} (histogram; stage {@code total} for the whole cycle),
 * {@code safe_updater_pending_updates{outcome}} (the stored plan at server start, then after each cycle), and the
 * last cycle's {@code safe_updater_cycle_registry_lookups} (distinct images) and
 * {@code safe_updater_cycle_registry_requests}.
 */
final class CycleMetrics {
    static final String SKIPPED = "SKIPPED";
    private static final List<String> STATUSES = List.of(Cycle.SUCCEEDED, Cycle.PARTIAL, Cycle.FAILED,
            Cycle.INTERRUPTED, SKIPPED);
    private static final List<String> OUTCOMES = List.of("APPROVE", "HOLD", "REJECT");
    private static final List<String> STAGES = List.of("scan", "discover", "propose", "decide", "plan", "total");
    /**
     * The histogram's buckets: a stage of a small inventory takes milliseconds, a first cycle of 10,000 assets tens
     * of seconds, a slow registry minutes. Fourteen fixed buckets per stage instead of the ~70 a percentile
     * histogram publishes: with +Inf, 15 series per stage, 90 for the six.
     */
    private static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
        Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30)};
    /** Process-wide: the registry keeps the first supplier registered for a name and tags. */
    private static final Map<String, AtomicLong> GAUGES = new ConcurrentHashMap<>();

    CycleMetrics() {
        STATUSES.forEach(CycleMetrics::counter);
        STAGES.forEach(CycleMetrics::timer); // present (empty) from the start, so rate() and alerts work at once
        OUTCOMES.forEach(o -> gauge("safe_updater_pending_updates",
                "Plan entries per outcome (the stored plan at server start, then after each cycle)", "outcome", o));
        gauge("safe_updater_cycle_registry_lookups", "Distinct images the last cycle looked up", null, null);
        gauge("safe_updater_cycle_registry_requests", "Registry requests the last cycle sent (tokens included)",
                null, null);
    }

    void finished(String status) {
        counter(status).increment();
    }

    void stage(String stage, Duration took) {
        timer(stage).record(took);
    }

    private static Timer timer(String stage) {
        return io.helidon.service.registry.Services.get(MeterRegistry.class).getOrCreate(
                Timer.builder("safe_updater_cycle_duration")
                        .description("Time a cycle stage took (stage total: the whole cycle)")
                        .tags(List.of(Tag.create("stage", stage)))
                        .buckets(BUCKETS));
    }

    void pending(Map<String, Long> byOutcome) {
        for (String o : OUTCOMES) {
            gauge("safe_updater_pending_updates", null, "outcome", o).set(byOutcome.getOrDefault(o, 0L));
        }
    }

    void registry(long images, long requests) {
        gauge("safe_updater_cycle_registry_lookups", null, null, null).set(images);
        gauge("safe_updater_cycle_registry_requests", null, null, null).set(requests);
    }

    private static Counter counter(String status) {
        return io.helidon.service.registry.Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_cycles")
                .description("Cycles by how they ended (SKIPPED: a scheduled cycle found one running)")
                .tags(List.of(Tag.create("status", status))));
    }

    private static AtomicLong gauge(String name, String description, String tag, String value) {
        return GAUGES.computeIfAbsent(name + "\u0000" + value, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.Builder<Long> b = Gauge.builder(name, v::get).description(description == null ? name : description);
            if (tag != null) {
                b.tags(List.of(Tag.create(tag, value)));
            }
            io.helidon.service.registry.Services.get(MeterRegistry.class).getOrCreate(b);
            return v;
        });
    }
}
