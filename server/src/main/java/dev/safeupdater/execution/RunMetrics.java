package dev.safeupdater.execution;

import java.time.Duration;
import java.util.List;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.service.registry.Services;

/**
 * The update-run metrics, labelled by source and namespace: {@code safe_updater_updates_attempted_total},
 * {@code _updates_succeeded_total}, {@code _updates_failed_total}, {@code _rollbacks_total},
 * {@code _failed_health_checks_total}, and the histograms {@code _update_duration_seconds} and
 * {@code _health_check_duration_seconds}.
 */
final class RunMetrics {
    void present(String source, String namespace) {
        counter("safe_updater_updates_attempted", "Update runs that started changing a workload", source, namespace);
        counter("safe_updater_updates_succeeded", "Update runs that ended SUCCEEDED", source, namespace);
        counter("safe_updater_updates_failed", "Update runs that ended FAILED, ROLLED_BACK or ROLLBACK_FAILED",
                source, namespace);
        counter("safe_updater_rollbacks", "Rollbacks started", source, namespace);
        counter("safe_updater_failed_health_checks", "Health verifications that found the new version unhealthy",
                source, namespace);
        timer("safe_updater_update_duration", "Time from the start of applying to the end of a run", source,
                namespace);
        timer("safe_updater_health_check_duration", "Time one health verification took", source, namespace);
    }

    void attempted(String source, String namespace) {
        present(source, namespace);
        counter("safe_updater_updates_attempted", null, source, namespace).increment();
    }

    void succeeded(String source, String namespace, Duration took) {
        present(source, namespace);
        counter("safe_updater_updates_succeeded", null, source, namespace).increment();
        if (took != null) {
            timer("safe_updater_update_duration", null, source, namespace).record(took);
        }
    }

    void failed(String source, String namespace, Duration took) {
        present(source, namespace);
        counter("safe_updater_updates_failed", null, source, namespace).increment();
        if (took != null) {
            timer("safe_updater_update_duration", null, source, namespace).record(took);
        }
    }

    void rollback(String source, String namespace) {
        present(source, namespace);
        counter("safe_updater_rollbacks", null, source, namespace).increment();
    }

    void healthChecked(String source, String namespace, boolean healthy, Duration took) {
        present(source, namespace);
        timer("safe_updater_health_check_duration", null, source, namespace).record(took);
        if (!healthy) {
            counter("safe_updater_failed_health_checks", null, source, namespace).increment();
        }
    }

    private static Counter counter(String name, String description, String source, String namespace) {
        Counter.Builder b = Counter.builder(name).tags(tags(source, namespace));
        if (description != null) {
            b.description(description);
        }
        return Services.get(MeterRegistry.class).getOrCreate(b);
    }

    private static Timer timer(String name, String description, String source, String namespace) {
        Timer.Builder b = Timer.builder(name).tags(tags(source, namespace))
                .publishPercentileHistogram(true);
        if (description != null) {
            b.description(description);
        }
        return Services.get(MeterRegistry.class).getOrCreate(b);
    }

    private static List<Tag> tags(String source, String namespace) {
        return List.of(Tag.create("source", source), Tag.create("namespace", namespace));
    }
}
