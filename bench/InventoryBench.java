import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.safeupdater.execution.ScanListener;
import dev.safeupdater.execution.ScanService;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.ScanSourceResult;
import dev.safeupdater.store.ScanStore;

/**
 * Scans the mock API at URL (bench/InventoryMockServer.java) into a fresh H2 database and a fresh PostgreSQL schema:
 * a full scan, then a scan with nothing changed, each timed. Reports the largest heap in use after any garbage
 * collection during the scans (run it with a small -Xmx so collections happen; after a young collection this still
 * counts old garbage, so it overstates what is live) and the live heap after a full collection at the peak of a
 * third scan (every slot listed, about to be stored).
 *
 * <p>Usage: InventoryBench URL [PG_JDBC_URL PG_USER]
 */
public class InventoryBench {
    private static final AtomicLong maxAfterGc = new AtomicLong();

    public static void main(String[] args) throws Exception {
        String api = args[0];
        watchGc();
        Path dir = Files.createTempDirectory("inventory-bench");
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
                  - name: bench
                    type: kubernetes
                    kubeconfig: kubeconfig
                    initContainers: true
                    pageSize: 500
                    requestTimeout: 60s
                """);
        run("h2", Database.open("jdbc:h2:mem:bench" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 4), dir);
        if (args.length >= 3) {
            String schema = "su_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = DriverManager.getConnection(args[1], args[2], "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
            }
            try {
                String url = args[1] + (args[1].contains("?") ? "&" : "?") + "currentSchema=" + schema;
                run("postgres", Database.open(url, args[2], "", 4), dir);
            } finally {
                try (Connection c = DriverManager.getConnection(args[1], args[2], "");
                     Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + schema + " CASCADE");
                }
            }
        }
        System.gc();
        long usedNow = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "heap after any GC: max %.1f MiB during the scans, %.1f MiB at the end (-Xmx %d MiB)%n",
                maxAfterGc.get() / 1048576.0, usedNow / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576);
    }

    private static void run(String name, Database db, Path dir) throws Exception {
        try (db) {
            db.migrate();
            Clock clock = Clock.systemUTC();
            try (ScanService scans = new ScanService(InventoryConfig.load(dir.resolve("inventory.yaml"),
                    tag -> !dev.safeupdater.version.ChangeClassifier.isExactVersion(tag)),
                    new InventoryStore(db, clock), new ScanStore(db, clock), clock)) {
                long t0 = System.nanoTime();
                ScanRun full = scans.scan(null, "bench", ScanListener.NONE);
                double fullSeconds = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                ScanRun again = scans.scan(null, "bench", ScanListener.NONE);
                double againSeconds = (System.nanoTime() - t1) / 1e9;
                ScanSourceResult f = full.sources().getFirst();
                ScanSourceResult a = again.sources().getFirst();
                if (!f.status().equals("SUCCEEDED") || !a.status().equals("SUCCEEDED")) {
                    throw new IllegalStateException(name + ": scan did not succeed: " + f.error() + " / " + a.error());
                }
                if (a.added() + a.changed() + a.gone() + a.versionsRecorded() != 0) {
                    throw new IllegalStateException(name + ": the rescan changed something: " + a);
                }
                String kinds = f.byKind().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                        .map(e -> String.format(Locale.ROOT, "%,d %s", e.getValue().seen(), e.getKey()))
                        .collect(Collectors.joining(", "));
                System.out.printf(Locale.ROOT, "%s full scan: %.2f s (%,d asset slots stored: %s; %d API requests)%n",
                        name, fullSeconds, f.added(), kinds, f.apiRequests());
                System.out.printf(Locale.ROOT, "%s rescan, nothing changed: %.2f s (%,d unchanged, only last_seen"
                        + " written; %d API requests)%n", name, againSeconds, a.unchanged(), a.apiRequests());
                // a third, untimed scan measures the live heap at its peak: every slot listed, about to be stored
                AtomicLong live = new AtomicLong();
                scans.scan(null, "bench", new ScanListener() {
                    @Override
                    public void storing(String source, int assets) {
                        System.gc();
                        live.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                    }
                });
                System.out.printf(Locale.ROOT, "%s live heap with all %,d slots listed (full GC): %.1f MiB%s%n", name,
                        f.seen(), live.get() / 1048576.0, name.equals("h2") ? " (the in-memory H2 database included)" : "");
                System.out.printf(Locale.ROOT, "RESULT %s %.3f %.3f %.1f%n", name, fullSeconds, againSeconds,
                        live.get() / 1048576.0);
            }
        }
    }

    /** Records the heap in use after every collection (sum over the heap pools). */
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
                        MemoryUsage u = e.getValue();
                        used += u.getUsed();
                    }
                }
                maxAfterGc.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }
}
