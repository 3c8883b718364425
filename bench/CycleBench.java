import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.safeupdater.app.Application;
import dev.safeupdater.app.Settings;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Cycle;

/**
 * The cycle on the product path (Application.services, as serve and run --once build it) against the world of
 * bench/CycleMockServer.java: a first cycle (everything new), a steady cycle (nothing changed; the registry cache
 * still fresh, as with a 15-minute interval and the default 10-minute TTL only half the time), and a steady cycle
 * with the registry cache cleared (every tag list and tag digest asked again), on H2 (file) and PostgreSQL. Per cycle:
 * wall time, per-stage timings, registry requests, decision rows written. Heap (run with a small -Xmx): the largest
 * heap in use after a full collection (what the cycles keep alive), and after any collection.
 *
 * <p>Usage: CycleBench API_URL REGISTRY_HOST REPO_ROOT [PG_JDBC_URL PG_USER]
 */
public class CycleBench {
    private static final AtomicLong maxAfterGc = new AtomicLong();
    private static final AtomicLong maxAfterFullGc = new AtomicLong();

    public static void main(String[] args) throws Exception {
        String api = args[0];
        String registry = args[1];
        Path root = Path.of(args[2]);
        watchGc();
        System.out.println("JVM: " + jvm());
        Path dir = Files.createTempDirectory("cycle-bench");
        Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: bench, user: {token: bench}}]
                contexts: [{name: mock, context: {cluster: mock, user: bench}}]
                current-context: mock
                """.formatted(api));
        Files.writeString(dir.resolve("inventory.yaml"), """
                sources:
                  - name: staging
                    type: kubernetes
                    kubeconfig: kubeconfig
                    kinds: [Deployment]
                    pageSize: 500
                    requestTimeout: 60s
                """);
        // politeness is for real registries; the benchmark measures our own cost
        Files.writeString(dir.resolve("registries.yaml"), """
                registries:
                  "%s": {insecure: true, rate: 100000, burst: 100000, maxConcurrent: 32}
                """.formatted(registry));
        Map<String, String> flags = new HashMap<>();
        flags.put("rules.dir", root.resolve("rules").toString());
        flags.put("policies.dir", root.resolve("policies").toString());
        flags.put("inventory.file", dir.resolve("inventory.yaml").toString());
        flags.put("registry.config", dir.resolve("registries.yaml").toString());
        flags.put("registry.docker-config", "");
        flags.put("log.level", "WARN");
        // SU_BENCH_CYCLE_DB=postgres (or h2) runs one database only, e.g. to profile it
        String only = System.getenv().getOrDefault("SU_BENCH_CYCLE_DB", "");
        double first = 0;
        try {
            if (!only.equals("postgres")) {
                first = run("h2", flags, "jdbc:h2:file:" + dir.resolve("h2") + ";DB_CLOSE_DELAY=0", "", dir);
                if (System.getenv().containsKey("SU_BENCH_CYCLE_WARM")) {
                    // the same cycles again, on a new database, in the now warm JVM: what the cycle itself costs
                    // once the JIT compilers did most of their work; reported, never the headline
                    run("h2, warm JVM", flags, "jdbc:h2:file:" + dir.resolve("h2-warm") + ";DB_CLOSE_DELAY=0", "",
                            dir);
                }
            }
            if (args.length >= 5 && !only.equals("h2")) {
                String schema = "su_cycle_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
                try (Connection c = DriverManager.getConnection(args[3], args[4], "");
                     Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + schema);
                }
                try {
                    String url = args[3] + (args[3].contains("?") ? "&" : "?") + "currentSchema=" + schema;
                    double pgFirst = run("postgres", flags, url, args[4], dir);
                    first = only.equals("postgres") ? pgFirst : first;
                } finally {
                    try (Connection c = DriverManager.getConnection(args[3], args[4], "");
                         Statement s = c.createStatement()) {
                        s.execute("DROP SCHEMA " + schema + " CASCADE");
                    }
                }
            }
            System.out.printf(Locale.ROOT, "heap after any GC: max %.1f MiB over all cycles (-Xmx %d MiB); live heap"
                            + " (after full collections): max %.1f MiB%n", maxAfterGc.get() / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576, maxAfterFullGc.get() / 1048576.0);
        } finally {
            deleteTree(dir);
        }
        System.out.printf(Locale.ROOT, "RESULT %.3f%n", first);
    }

    /** Removes the benchmark's directory (each H2 database grows to a few hundred MB over its cycles). */
    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static double run(String name, Map<String, String> base, String url, String user, Path dir) {
        Map<String, String> flags = new HashMap<>(base);
        flags.put("db.url", url);
        flags.put("db.user", user);
        Settings settings = Settings.load(flags, Map.of(), dir);
        Services services = Application.services(settings, true, Clock.systemUTC());
        try {
            Cycle first = timed(name, "first cycle (everything new)", services);
            Cycle steady = timed(name, "steady cycle (nothing changed, registry cache fresh)", services);
            services.tags().registry().clearCache();
            Cycle expired = timed(name, "steady cycle (nothing changed, registry cache cleared)", services);
            System.out.printf(Locale.ROOT, "%s steady: %.2f s, %d decision rows written%n", name,
                    steady.durationMs() / 1000.0, steady.count("decisionsWritten"));
            if (steady.count("decisionsWritten") != 0 || expired.count("decisionsWritten") != 0) {
                throw new IllegalStateException(name + ": a cycle with nothing changed wrote decisions");
            }
            return first.durationMs() / 1000.0;
        } finally {
            services.close();
        }
    }

    private static Cycle timed(String name, String what, Services services) {
        long rowsBefore = rows(services);
        long[] storeBefore = h2Store(services);
        long[] cpuBefore = cpuMs();
        Cycle c = services.cycles().runOnce("bench", "cli");
        long[] cpuAfter = cpuMs();
        long[] storeAfter = h2Store(services);
        if (!c.state().equals(Cycle.SUCCEEDED)) {
            throw new IllegalStateException(name + ": " + what + " ended " + c.state() + ": " + c.errors());
        }
        String stages = c.stages().stream().map(s -> String.format(Locale.ROOT, "%s %.2f", s.name(),
                s.durationMs() / 1000.0)).collect(Collectors.joining(", "));
        System.out.printf(Locale.ROOT, "%s %s: %.2f s [%s]; %,d assets, %,d images, %,d registry requests,"
                        + " %,d candidates, %,d decision rows written (%,d in the table); CPU of this JVM %.1f s"
                        + " (JIT compiler threads %.1f s of it)%n", name, what,
                c.durationMs() / 1000.0, stages, c.count("assetsTracked"), c.count("imagesLookedUp"),
                c.count("registryRequests"), c.count("candidates"), c.count("decisionsWritten"),
                rows(services), (cpuAfter[0] - cpuBefore[0]) / 1000.0, (cpuAfter[1] - cpuBefore[1]) / 1000.0);
        if (storeBefore.length > 0) {
            System.out.printf(Locale.ROOT, "  (H2 stored %,d times, %.1f MiB written to its file, now %.1f MiB)%n",
                    storeAfter[0] - storeBefore[0], (storeAfter[1] - storeBefore[1]) / 1048576.0,
                    storeAfter[2] / 1048576.0);
        }
        if (rows(services) - rowsBefore != c.count("decisionsWritten")) {
            throw new IllegalStateException("decision rows and the cycle's count disagree");
        }
        return c;
    }

    /**
     * CPU time used so far by this JVM (all its threads), and by its JIT compiler threads alone (from Linux's
     * /proc/self/task, in clock ticks of 10 ms; 0 elsewhere), in milliseconds. The wall time of a cycle on a
     * shared 2-core machine swings by seconds; its CPU time says more steadily what a change saved.
     */
    private static long[] cpuMs() {
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1_000_000;
        long jit = 0;
        Path tasks = Path.of("/proc/self/task");
        if (Files.isDirectory(tasks)) {
            try (var threads = Files.list(tasks)) {
                for (Path t : threads.toList()) {
                    try {
                        String comm = Files.readString(t.resolve("comm")).strip();
                        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                            String stat = Files.readString(t.resolve("stat"));
                            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            jit += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime, stime
                        }
                    } catch (java.io.IOException | RuntimeException e) {
                        // the thread ended while being read: its time is lost to the count
                    }
                }
            } catch (java.io.IOException e) {
                jit = 0;
            }
        }
        return new long[] {process, jit};
    }

    /**
     * On H2: how many times its storage engine has stored (each store writes every page changed since the last one:
     * a commit stores, and so does an identity column's sequence when it runs out of cached values) and how many
     * bytes it has written to the file, and the file's size; empty on PostgreSQL.
     */
    private static long[] h2Store(Services services) {
        if (services.database().isPostgres()) {
            return new long[0];
        }
        Map<String, Long> info = services.database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT setting_name, setting_value FROM information_schema.settings"
                                + " WHERE setting_name IN ('info.CURRENT_VERSION', 'info.FILE_WRITE_BYTES',"
                                + " 'info.FILE_SIZE')")
                .map((rs, ctx) -> Map.entry(rs.getString(1), Long.parseLong(rs.getString(2)))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        return new long[] {info.get("info.CURRENT_VERSION"), info.get("info.FILE_WRITE_BYTES"),
                info.get("info.FILE_SIZE")};
    }

    private static long rows(Services services) {
        return services.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM decision")
                .mapTo(Long.class).one());
    }

    /**
     * How this JVM was started, as far as it changes the first cycle: bin/bench starts it as bin/safe-updater and the
     * container image start the server, with the AOT cache trained for the jar when there is one. A JVM given a cache
     * it cannot use (another class path, collector or JDK) runs without it and without class sharing: said here.
     */
    private static String jvm() {
        String cache = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("AOTCache").getValue();
        boolean sharing = String.valueOf(System.getProperty("java.vm.info")).contains("sharing");
        String gc = ManagementFactory.getGarbageCollectorMXBeans().getFirst().getName();
        return Runtime.version() + ", collector " + gc + ", heap at most " + Runtime.getRuntime().maxMemory() / 1048576
                + " MiB; AOT cache: " + (cache.isEmpty() ? "none (SAFE_UPDATER_AOT=off, or"
                + " none trained)" : sharing ? cache + " (in use)" : cache + " (refused by the JVM: not in use)");
    }

    /**
     * Records the heap in use after every collection (sum over the heap pools), and after full collections alone:
     * a young collection leaves the old generation's garbage in the count (and one whose promotion failed counts
     * nearly the whole heap), a full one leaves only what is alive.
     */
    private static void watchGc() {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(e.getKey())) {
                        used += e.getValue().getUsed();
                    }
                }
                maxAfterGc.accumulateAndGet(used, Math::max);
                if (info.getGcAction().contains("major")) { // what the cycle really holds: garbage collected too
                    maxAfterFullGc.accumulateAndGet(used, Math::max);
                }
            }, null, null);
        }
    }
}
