package dev.safeupdater.app;

import java.lang.management.ManagementFactory;

import dev.safeupdater.execution.NotificationService;
import dev.safeupdater.execution.PolicyService;
import dev.safeupdater.registry.Registry;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.service.registry.Services;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The process's metrics registry, set up once before any meter is made: the JVM's and the process's meters under their usual Prometheus names
 * ({@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads},
 * {@code process_cpu_usage}, {@code process_open_fds}, {@code process_uptime_seconds}, ...), and every
 * {@code safe_updater_*} counter with known labels declared at 0, so rates and alerts work on a fresh server.
 */
final class Monitoring {
    private static MeterRegistry registry;

    private Monitoring() {
    }

    /** The registry, created (with the JVM meters bound and the counters declared) on the first call. */
    static synchronized MeterRegistry registry() {
        if (registry == null) {
            registry = Services.get(MeterRegistry.class);
            io.micrometer.core.instrument.MeterRegistry m =
                    registry.unwrap(io.micrometer.core.instrument.MeterRegistry.class);
            // no scope label: UnscopedMetrics (a service Helidon loads) keeps Helidon from adding it; a filter
            // dropping the tag here would break Helidon's removal of replaced meters, which looks them up by their
            // full id (the active-revision gauge would keep every revision ever active)
            m.config()
                    // names promtool's lint refuses (abbreviated unit, _count on a gauge); CPU time is given below
                    .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
                            || id.getName().equals("system.cpu.count")))
                    // durations are histograms with buckets: no client-side quantiles (Helidon adds six by default),
                    // which Prometheus cannot aggregate and which make promtool refuse the histogram
                    .meterFilter(new MeterFilter() {
                        @Override
                        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                            return DistributionStatisticConfig.builder().percentiles(new double[0]).build()
                                    .merge(config);
                        }
                    });
            new JvmMemoryMetrics().bindTo(m);
            // GC pauses per collector, registered here once: Micrometer's JvmGcMetrics registers its timers lazily on
            // the JVM's notification thread, which deadlocked with Helidon's registry lock when a GC came during
            // start-up (Helidon holds its lock while Micrometer's is taken, the notification thread the other way)
            for (var collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                // function counters: Helidon's registry can list them (it cannot list Micrometer function timers)
                FunctionCounter.builder("jvm.gc.pause", collector, c -> Math.max(0, c.getCollectionTime()) / 1000.0)
                        .baseUnit("seconds")
                        .tag("gc", collector.getName())
                        .description("Time spent in GC pauses")
                        .register(m);
                FunctionCounter.builder("jvm.gc.collections", collector, c -> Math.max(0, c.getCollectionCount()))
                        .tag("gc", collector.getName())
                        .description("GC collections")
                        .register(m);
            }
            new JvmThreadMetrics().bindTo(m);
            new ClassLoaderMetrics().bindTo(m);
            new ProcessorMetrics().bindTo(m);
            new FileDescriptorMetrics().bindTo(m);
            new UptimeMetrics().bindTo(m);
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                        .baseUnit("seconds")
                        .description("CPU time the process used")
                        .register(m);
            }
            PolicyService.declareMetrics();
            Registry.declareMetrics();
            NotificationService.declareMetrics();
        }
        return registry;
    }
}
