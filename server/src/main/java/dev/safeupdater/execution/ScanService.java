package dev.safeupdater.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.inventory.KubernetesSource;
import dev.safeupdater.inventory.KubernetesWatch;
import dev.safeupdater.inventory.SourceException;
import dev.safeupdater.inventory.SourceScan;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.model.Page;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.ScanSourceResult;
import dev.safeupdater.store.ScanStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inventory scans: lists the configured sources (all, or the ones asked for) one after another and syncs each into the
 * store in its own transaction. A source that fails is reported and its previous inventory left untouched. One scan
 * at a time per process. In the server, scans can also run on a schedule, and Kubernetes sources with
 * {@code watch: true} are watched between scans (events applied one workload at a time; a resourceVersion that
 * expired triggers a full scan of that source).
 */
public final class ScanService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.inventory");

    private final InventoryFile file;
    private volatile List<InventorySource> sources;
    /** Why the inventory file was last refused (its last good sources are scanned); null when it is fine. */
    private volatile String configProblem;
    private final InventoryStore inventory;
    private final ScanStore scans;
    private final Clock clock;
    private final ScanMetrics metrics = new ScanMetrics();
    private final PullCredentials credentials = new PullCredentials();
    private final ReentrantLock running = new ReentrantLock();

    // watch mode (server only)
    private volatile boolean watching;
    private final Map<String, KubernetesWatch> watches = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> generations = new ConcurrentHashMap<>();
    private final ExecutorService events = Executors.newSingleThreadExecutor(daemon("inventory-watch"));
    private ScheduledExecutorService scheduler;

    public ScanService(List<InventorySource> sources, InventoryStore inventory, ScanStore scans, Clock clock) {
        this(null, sources, inventory, scans, clock);
    }

    /**
     * Sources from the inventory file as it is at each scan: {@code initial} are the sources it named at startup;
     * every scan reads the file again, and a bad edit keeps the last good sources, with the error logged and added
     * to the scan's result as a warning of every source.
     */
    public ScanService(InventoryFile file, List<InventorySource> initial, InventoryStore inventory, ScanStore scans,
                       Clock clock) {
        this.file = file;
        this.sources = List.copyOf(initial);
        this.inventory = inventory;
        this.scans = scans;
        this.clock = clock;
        metrics.declare(this.sources.stream().map(InventorySource::name).toList());
        if (inventory != null) {
            updateTracked(); // what the store tracks already (a restart), not 0 until the first scan
        }
    }

    /** A configured source: its name and type. */
    public record SourceInfo(String name, String type) {
    }

    public List<SourceInfo> sources() {
        return sources.stream().map(s -> new SourceInfo(s.name(), s.type())).toList();
    }

    /** Why the inventory file's last edit was refused (the last good sources are used); null when it is fine. */
    public String configProblem() {
        return configProblem;
    }

    /**
     * Reads the inventory file again (when there is one): its sources from now on, or — when it is refused — the
     * last good ones, with the problem kept for the scan results. Watches of sources that left the file are closed.
     */
    private List<InventorySource> refresh() {
        if (file == null) {
            return sources;
        }
        try {
            List<InventorySource> fresh = file.load();
            if (fresh != sources) {
                java.util.Set<String> names = new java.util.HashSet<>();
                fresh.forEach(s -> names.add(s.name()));
                for (InventorySource old : sources) {
                    if (!names.contains(old.name())) {
                        stopWatch(old.name());
                    }
                }
                if (configProblem != null || !fresh.equals(sources)) {
                    LOG.atInfo().addKeyValue("event", "inventory_file_reloaded").addKeyValue("file", file.path())
                            .addKeyValue("sources", fresh.size()).log("inventory file {} read again: {} sources",
                                    file.path(), fresh.size());
                }
                sources = fresh;
                metrics.declare(fresh.stream().map(InventorySource::name).toList()); // sources added by the edit
            }
            configProblem = null;
        } catch (IllegalArgumentException e) {
            configProblem = "the inventory file was refused, so its last good version is scanned: " + e.getMessage();
            LOG.atError().addKeyValue("event", "inventory_file_refused").addKeyValue("file", file.path())
                    .addKeyValue("error", e.getMessage()).log("{}", configProblem);
        }
        return sources;
    }

    /** Credentials resolved from pull secrets by the latest scans (for the registry stage). */
    public PullCredentials pullCredentials() {
        return credentials;
    }

    /**
     * Scans {@code only} the named sources (null or empty: all), recorded as done by {@code actor}.
     *
     * @throws InvalidInputException when a name is unknown or no source is configured
     * @throws ScanInProgressException when another scan is running in this process
     */
    public ScanRun scan(List<String> only, String actor, ScanListener listener) {
        List<InventorySource> selected = select(only);
        if (!running.tryLock()) {
            throw new ScanInProgressException();
        }
        try {
            return run(selected, only == null || only.isEmpty() ? null : List.copyOf(only), actor, listener);
        } finally {
            running.unlock();
        }
    }

    /**
     * Scans every source for a cycle, waiting for a scan that is already running to finish first (a scheduled scan
     * or a watch resync), so the cycle reads an inventory no older than its own start.
     *
     * @throws InvalidInputException when no source is configured
     */
    public ScanRun scanAll(String actor) {
        List<InventorySource> selected = select(null);
        running.lock();
        try {
            return run(selected, null, actor, ScanListener.NONE);
        } finally {
            running.unlock();
        }
    }

    public ScanRun find(long id) {
        return scans.find(id).orElseThrow(() -> new NotFoundException("scan", id));
    }

    public Page<ScanRun> list(String cursor, int limit) {
        return scans.list(cursor, limit);
    }

    /**
     * Server mode: scan every source now and then every {@code interval} (zero: only on request), and keep sources
     * with {@code watch: true} current between scans.
     */
    public synchronized void startBackground(Duration interval) {
        watching = true;
        if (interval.isZero()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(daemon("inventory-scheduler"));
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                running.lock();
                try {
                    List<InventorySource> now = refresh();
                    if (!now.isEmpty()) {
                        run(now, null, "scheduler", ScanListener.NONE);
                    }
                } finally {
                    running.unlock();
                }
            } catch (RuntimeException e) {
                LOG.atError().setCause(e).addKeyValue("event", "inventory_scheduled_scan_failed")
                        .log("scheduled inventory scan failed");
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Watches currently open, by source name (for tests and diagnostics). */
    public Map<String, Integer> openWatches() {
        Map<String, Integer> out = new LinkedHashMap<>();
        watches.forEach((name, w) -> out.put(name, w.size()));
        return out;
    }

    /** Enables watch mode without a schedule (tests, and servers that scan only on request). */
    public void enableWatch() {
        watching = true;
    }

    @Override
    public synchronized void close() {
        watching = false;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        watches.values().forEach(KubernetesWatch::close);
        watches.clear();
        events.shutdownNow();
    }

    private List<InventorySource> select(List<String> only) {
        List<InventorySource> sources = refresh();
        if (sources.isEmpty()) {
            throw new InvalidInputException(List.of(new FieldError("source",
                    "no inventory sources are configured; set inventory.file (see docs/inventory.md)")));
        }
        if (only == null || only.isEmpty()) {
            return sources;
        }
        List<InventorySource> selected = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        for (String name : only) {
            sources.stream().filter(s -> s.name().equals(name)).findFirst().ifPresentOrElse(s -> {
                if (!selected.contains(s)) {
                    selected.add(s);
                }
            }, () -> errors.add(new FieldError("source", "unknown source \"" + name + "\"; configured: "
                    + String.join(", ", sources.stream().map(InventorySource::name).toList()))));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return selected;
    }

    /** Runs a scan; the caller holds {@link #running}. */
    private ScanRun run(List<InventorySource> selected, List<String> requested, String actor, ScanListener listener) {
        long scanId = scans.start(requested, actor);
        LOG.atInfo().addKeyValue("event", "scan_started").addKeyValue("scan_id", scanId).addKeyValue("actor", actor)
                .addKeyValue("sources", selected.size()).log("scan {} started", scanId);
        int failed = 0;
        int partial = 0;
        for (int i = 0; i < selected.size(); i++) {
            InventorySource source = selected.get(i);
            listener.sourceStarted(source.name(), source.type(), i, selected.size());
            ScanSourceResult result = scanOne(source, scanId, listener);
            scans.recordSource(scanId, result);
            listener.sourceFinished(result);
            if (result.status().equals(ScanSourceResult.FAILED)) {
                failed++;
            } else if (result.status().equals(ScanSourceResult.PARTIAL)) {
                partial++;
            }
        }
        String status = failed == selected.size() ? "FAILED"
                : failed + partial > 0 ? ScanSourceResult.PARTIAL : ScanSourceResult.SUCCEEDED;
        ScanRun run = scans.finish(scanId, status);
        updateTracked();
        LOG.atInfo().addKeyValue("event", "scan_finished").addKeyValue("scan_id", scanId)
                .addKeyValue("status", status).addKeyValue("duration_ms", run.durationMs())
                .log("scan {} {}", scanId, status);
        return run;
    }

    private ScanSourceResult scanOne(InventorySource source, long scanId, ScanListener listener) {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        stopWatch(source.name());
        ScanSourceResult result;
        try {
            SourceScan seen = source.scan((what, done, total) -> listener.listed(source.name(), what, done, total));
            listener.storing(source.name(), seen.assets().size());
            InventoryStore.SyncResult sync = inventory.sync(source.name(), seen.assets(), seen::unlistedCovers,
                    scanId);
            credentials.replace(source.name(), seen.pullSecrets());
            List<String> warnings = new ArrayList<>(seen.warnings());
            sync.rejected().forEach(r -> warnings.add("not stored: " + r));
            result = new ScanSourceResult(source.name(), source.type(),
                    warnings.isEmpty() ? ScanSourceResult.SUCCEEDED : ScanSourceResult.PARTIAL, null, warnings,
                    sync.seen(), sync.added(), sync.changed(), sync.unchanged(), sync.gone(), sync.versionsRecorded(),
                    seen.apiRequests(), sync.byKind(), started, clock.instant());
        } catch (SourceException e) {
            result = failed(source, e.getMessage(), started);
        } catch (RuntimeException e) {
            // a bug or a database failure: the transaction rolled back; say what without internals
            LOG.atError().setCause(e).addKeyValue("event", "scan_source_error").addKeyValue("source", source.name())
                    .log("{}: scan failed unexpectedly", source.name());
            result = failed(source, source.name() + ": scan failed unexpectedly (" + e.getClass().getSimpleName()
                    + "); see the server log", started);
        }
        String problem = configProblem;
        if (problem != null) {
            List<String> warnings = new ArrayList<>();
            warnings.add(problem);
            warnings.addAll(result.warnings());
            result = new ScanSourceResult(result.name(), result.type(),
                    result.status().equals(ScanSourceResult.SUCCEEDED) ? ScanSourceResult.PARTIAL : result.status(),
                    result.error(), warnings, result.seen(), result.added(), result.changed(), result.unchanged(),
                    result.gone(), result.versionsRecorded(), result.apiRequests(), result.byKind(),
                    result.startedAt(), result.finishedAt());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        metrics.scanned(source.name(), result.status(), took);
        LOG.atInfo().addKeyValue("event", "scan_source").addKeyValue("scan_id", scanId)
                .addKeyValue("source", source.name()).addKeyValue("type", source.type())
                .addKeyValue("status", result.status()).addKeyValue("seen", result.seen())
                .addKeyValue("added", result.added()).addKeyValue("changed", result.changed())
                .addKeyValue("gone", result.gone()).addKeyValue("api_requests", result.apiRequests())
                .addKeyValue("duration_ms", took.toMillis()).addKeyValue("error", result.error())
                .log("{}: {} ({} seen, {} added, {} changed, {} gone)", source.name(), result.status(), result.seen(),
                        result.added(), result.changed(), result.gone());
        startWatch(source);
        return result;
    }

    private ScanSourceResult failed(InventorySource source, String error, Instant started) {
        return new ScanSourceResult(source.name(), source.type(), ScanSourceResult.FAILED, error, List.of(), 0, 0, 0,
                0, 0, 0, 0, Map.of(), started, clock.instant());
    }

    private void updateTracked() {
        try {
            metrics.tracked(inventory.trackedCounts());
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).log("cannot count tracked assets");
        }
    }

    // ---- watch mode ----

    /** Closes the source's watch and invalidates events it already queued (a full scan supersedes them). */
    private void stopWatch(String name) {
        generation(name).incrementAndGet();
        KubernetesWatch old = watches.remove(name);
        if (old != null) {
            old.close();
        }
    }

    /** After a scan (successful or not) of a watched source: watch from the newest listing that succeeded. */
    private void startWatch(InventorySource source) {
        if (!watching || !(source instanceof KubernetesSource k) || !k.watchEnabled()) {
            return;
        }
        long gen = generation(k.name()).get();
        try {
            KubernetesWatch w = k.watch(new KubernetesWatch.Listener() {
                @Override
                public void workload(String kind, String namespace, String name, List<ObservedAsset> slots) {
                    submit(() -> applyEvent(k, gen, kind, namespace, name, slots));
                }

                @Override
                public void resync(String reason) {
                    LOG.atInfo().addKeyValue("event", "inventory_resync").addKeyValue("source", k.name())
                            .addKeyValue("reason", reason).log("{}: full resync ({})", k.name(), reason);
                    submit(() -> resyncSource(k, gen));
                }
            });
            if (w != null) {
                watches.put(k.name(), w);
            }
        } catch (SourceException | RuntimeException e) {
            LOG.atWarn().setCause(e).addKeyValue("event", "inventory_watch_failed").addKeyValue("source", k.name())
                    .log("{}: cannot start watching; the next scan tries again", k.name());
        }
    }

    private void applyEvent(KubernetesSource k, long gen, String kind, String namespace, String name,
                            List<ObservedAsset> slots) {
        running.lock();
        try {
            if (generation(k.name()).get() != gen) {
                return; // a full scan ran since this event was queued
            }
            InventoryStore.SyncResult r = inventory.syncWorkload(k.name(), k.type(), k.cluster(), namespace, kind,
                    name, slots);
            if (r.added() + r.changed() + r.gone() > 0) {
                LOG.atInfo().addKeyValue("event", "inventory_watch_applied").addKeyValue("source", k.name())
                        .addKeyValue("workload", kind + " " + namespace + "/" + name)
                        .addKeyValue("added", r.added()).addKeyValue("changed", r.changed())
                        .addKeyValue("gone", r.gone()).log("{}: {} {}/{} updated", k.name(), kind, namespace, name);
                updateTracked();
            }
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).addKeyValue("event", "inventory_watch_apply_failed")
                    .addKeyValue("source", k.name()).log("{}: cannot apply a watch event", k.name());
        } finally {
            running.unlock();
        }
    }

    private void resyncSource(KubernetesSource k, long gen) {
        running.lock();
        try {
            if (generation(k.name()).get() != gen || !watching) {
                return; // a scan already ran, and restarted the watch
            }
            run(List.of(k), List.of(k.name()), "watch", ScanListener.NONE);
        } catch (RuntimeException e) {
            LOG.atError().setCause(e).addKeyValue("event", "inventory_resync_failed").addKeyValue("source", k.name())
                    .log("{}: resync failed", k.name());
        } finally {
            running.unlock();
        }
    }

    private void submit(Runnable task) {
        if (!events.isShutdown()) {
            try {
                events.submit(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private AtomicLong generation(String name) {
        return generations.computeIfAbsent(name, n -> new AtomicLong());
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
