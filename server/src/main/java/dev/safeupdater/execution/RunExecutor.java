package dev.safeupdater.execution;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationEventType;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.Freeze;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.ScopeMatch;
import dev.safeupdater.policy.ScopePolicy;
import dev.safeupdater.rollout.Applier;
import dev.safeupdater.rollout.Change;
import dev.safeupdater.rollout.Health;
import dev.safeupdater.rollout.RolloutException;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.RunRecord;
import dev.safeupdater.store.RunStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Works update runs through their states: QUEUED → CLAIMED → APPLYING → VERIFYING → SUCCEEDED, or → ROLLING_BACK →
 * ROLLED_BACK / ROLLBACK_FAILED, or FAILED when pre-flight failed and nothing changed. Every poll it claims due runs
 * under a lease (renewed while it works) within the limits, and takes over unfinished runs whose lease expired
 * (another replica, or this process before a crash): an APPLYING run is compared with the live workload first and
 * never applied twice. When the database is away, each pending transition is retried until it comes back.
 */
public final class RunExecutor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunExecutor.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);

    private final RunStore runs;
    private final AssetStore assets;
    private final Appliers appliers;
    private final PolicyEngine policy;
    private final DecisionService decisions;
    private final ApplyOptions options;
    private final Clock clock;
    private final RunMetrics metrics = new RunMetrics();
    private final String owner;
    private final Map<Long, Thread> working = new ConcurrentHashMap<>();
    private final AtomicInteger peak = new AtomicInteger();
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean closed;
    private volatile Notifier notifier = Notifier.NONE;

    public RunExecutor(RunStore runs, AssetStore assets, Appliers appliers, PolicyEngine policy,
                       DecisionService decisions, ApplyOptions options, Clock clock) {
        this.runs = runs;
        this.assets = assets;
        this.appliers = appliers;
        this.policy = policy;
        this.decisions = decisions;
        this.options = options;
        this.clock = clock;
        this.owner = ownerId();
    }

    /**
     * Runs that end badly are announced to {@code notifier} (none by default): FAILED (pre-flight failed, or the
     * workload was changed by someone else) as update-failed, ROLLED_BACK as rollback-done, ROLLBACK_FAILED as
     * rollback-failed. A run that failed because the policy no longer approved it before it started is not announced.
     */
    public void notifyTo(Notifier notifier) {
        this.notifier = java.util.Objects.requireNonNull(notifier, "notifier");
    }

    /** This process's lease owner id: host, pid and a random part (a restarted process is a new owner). */
    static String ownerId() {
        return ManagementFactory.getRuntimeMXBean().getName() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String owner() {
        return owner;
    }

    /** Makes every run metric present at 0 for the sources and namespaces known now. */
    public void registerMetrics() {
        // one series per platform the product can update, so rate() and alerts work before any source is configured
        for (String platform : List.of("docker", "kubernetes")) {
            metrics.present(platform, "");
        }
        for (String source : appliers.sources()) {
            metrics.present(source, "");
        }
        try {
            for (String[] sn : runs.sourcesAndNamespaces()) {
                metrics.present(sn[0], sn[1]);
            }
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("event", "run_metrics_unavailable").log("cannot list assets for metrics: {}",
                    e.getMessage());
        }
    }

    /** Starts polling: recovery of expired leases at once, then claims every poll interval, lease renewal. */
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        registerMetrics();
        scheduler = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("run-executor-", 0).daemon()
                .factory());
        scheduler.scheduleWithFixedDelay(this::pollSafely, 0, options.pollInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        long renewEvery = Math.max(100, options.lease().toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::renewSafely, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        LOG.atInfo().addKeyValue("event", "executor_started").addKeyValue("owner", owner)
                .addKeyValue("max_concurrent", options.maxConcurrent())
                .log("update-run executor started as {}", owner);
    }

    /** How often due runs are claimed ({@code apply.poll-interval}). */
    public Duration pollInterval() {
        return options.pollInterval();
    }

    /** The most runs with a live lease (all replicas) this process saw right after one of its claims. */
    public int peakConcurrent() {
        return peak.get();
    }

    /** How many runs this process works on now. */
    public int working() {
        return working.size();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("event", "executor_poll_failed").log("claiming update runs failed: {}",
                    rootMessage(e));
        }
    }

    private void renewSafely() {
        try {
            List<Long> ids = new ArrayList<>(working.keySet());
            if (!ids.isEmpty()) {
                runs.renew(ids, owner, clock.instant().plus(options.lease()));
            }
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("event", "lease_renewal_failed").log("renewing leases failed: {}",
                    rootMessage(e));
        }
    }

    /** Claims due runs and starts working on each; returns how many were claimed. */
    public int poll() {
        if (closed) {
            return 0;
        }
        Instant now = clock.instant();
        RunStore.Claimed claim = runs.claim(owner, now, now.plus(options.lease()), options.maxConcurrent(),
                options.maxPerNamespace(), new RunStore.Gate() {
                    @Override
                    public String waitReason(RunRecord run) {
                        return RunExecutor.this.waitReason(run, now);
                    }

                    @Override
                    public boolean busy(RunRecord run) {
                        return working.containsKey(run.id());
                    }
                });
        peak.accumulateAndGet(claim.active(), Math::max);
        for (RunRecord r : claim.runs()) {
            Thread t = Thread.ofVirtual().name("run-" + r.id()).unstarted(() -> work(r));
            working.put(r.id(), t);
            t.start();
        }
        return claim.runs().size();
    }

    /** Why a queued run must wait now: no rules, no applier, outside its scope's maintenance windows, a freeze. */
    String waitReason(RunRecord run, Instant now) {
        Optional<PolicySnapshot> snapshot = policy.snapshot();
        if (snapshot.isEmpty()) {
            return "no active rule and policy set";
        }
        if (appliers.forKey(run.key()) == null) {
            return "no applier for source \"" + run.key().source() + "\" cluster \"" + run.key().cluster() + "\"";
        }
        Optional<Asset> asset = assets.find(run.assetId());
        if (asset.isEmpty()) {
            return "asset " + run.assetId() + " does not exist";
        }
        Asset a = asset.get();
        var candidate = Candidates.of(a.key(), a.labels(), a.annotations(), a.image(), a.currentTag(),
                a.currentDigest(), run.toTag(), run.toDigest(), null, ReleaseTimeSource.UNKNOWN);
        ScopeMatch scope = snapshot.get().policies().explain(candidate);
        if (scope == null) {
            return null;
        }
        ScopePolicy p = scope.policy();
        Freeze freeze = p.activeFreeze(now);
        if (freeze != null) {
            return "freeze of scope " + p.name() + " until " + freeze.to()
                    + (freeze.reason() == null ? "" : " (" + freeze.reason() + ")");
        }
        if (!p.inMaintenanceWindow(now)) {
            var next = p.nextWindowOpening(now);
            return "outside the maintenance windows of scope " + p.name()
                    + (next == null ? "" : "; next opening " + next);
        }
        return null;
    }

    private void work(RunRecord run) {
        MDC.put("run_id", Long.toString(run.id()));
        try {
            new Worker(run).run();
        } catch (LeaseLost e) {
            LOG.atWarn().addKeyValue("event", "run_lease_lost").addKeyValue("run_id", run.id())
                    .log("update run {}: {}", run.id(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.atError().addKeyValue("event", "run_worker_failed").addKeyValue("run_id", run.id()).setCause(e)
                    .log("update run {} stopped: {} (its lease expires and the run is taken over)", run.id(),
                            rootMessage(e));
        } finally {
            working.remove(run.id());
            MDC.remove("run_id");
        }
    }

    /** The run's lease went to someone else (or the run moved): stop without touching anything. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost(String message) {
            super(message);
        }
    }

    /** One run, from the state it was claimed in to a final state. */
    private final class Worker {
        private RunRecord run;
        private final String source;
        private final String namespace;
        private Instant applyStarted;

        Worker(RunRecord run) {
            this.run = run;
            this.source = run.key().source();
            this.namespace = run.key().namespace();
        }

        void run() {
            Applier applier = appliers.forKey(run.key());
            if (applier == null) {
                throw new IllegalStateException("no applier for " + run.key().display());
            }
            Change change = new Change(run.id(), run.assetId(), run.key(), run.fromImage(), run.toImage());
            applyStarted = run.startedAt();
            switch (run.state()) {
                case "CLAIMED" -> start(applier, change);
                case "APPLYING" -> recoverApplying(applier, change);
                case "VERIFYING" -> verify(applier, change);
                case "ROLLING_BACK" -> rollback(applier, change);
                default -> throw new IllegalStateException("run " + run.id() + " claimed in state " + run.state());
            }
        }

        private void start(Applier applier, Change change) {
            if (!stillApproved()) {
                return;
            }
            try {
                applier.preflight(change);
            } catch (RolloutException e) {
                move("CLAIMED", "FAILED", new RunStore.Move("pre-flight failed: " + e.getMessage(), null, null,
                        Map.of()));
                metrics.failed(source, namespace, null);
                log("run_failed", "pre-flight failed, nothing changed: " + e.getMessage());
                announce(NotificationEventType.UPDATE_FAILED);
                return;
            }
            move("CLAIMED", "APPLYING", RunStore.Move.of(Map.of("from", change.fromImage(), "to", change.toImage())));
            applyStarted = clock.instant();
            metrics.attempted(source, namespace);
            log("run_applying", "applying " + change.toImage());
            try {
                applier.apply(change);
            } catch (RolloutException e) {
                rollbackAfter("APPLYING", "apply failed: " + e.getMessage(), false, applier, change);
                return;
            }
            move("APPLYING", "VERIFYING", RunStore.Move.of(Map.of()));
            verify(applier, change);
        }

        /** A run found APPLYING after a crash or a lost lease: did the change land? Never applied again. */
        private void recoverApplying(Applier applier, Change change) {
            Applier.Landing landing;
            try {
                landing = applier.landed(change);
            } catch (RolloutException e) {
                // cannot tell now: leave the run to be taken over again when the lease expires
                throw new IllegalStateException("cannot tell whether run " + run.id() + " landed: " + e.getMessage(),
                        e);
            }
            log("run_recovered", "taken over in APPLYING; the change is " + landing);
            switch (landing) {
                case APPLIED -> {
                    move("APPLYING", "VERIFYING", RunStore.Move.of(Map.of("recovered", "APPLIED")));
                    verify(applier, change);
                }
                case NOT_APPLIED -> rollbackAfter("APPLYING",
                        "interrupted before the change landed; restoring the previous version", false, applier,
                        change);
                case CHANGED_ELSEWHERE -> {
                    move("APPLYING", "FAILED", new RunStore.Move("the workload was changed by someone else while the"
                            + " run was interrupted; left as it is", null, null, Map.of("recovered", landing.name())));
                    metrics.failed(source, namespace, took());
                    announce(NotificationEventType.UPDATE_FAILED);
                }
            }
        }

        private void verify(Applier applier, Change change) {
            Instant t0 = clock.instant();
            Health health;
            try {
                health = applier.verify(change, options.verifyTimeout());
            } catch (RolloutException e) {
                health = new Health(false, List.of(new Health.Check("verify", false, e.getMessage())),
                        Duration.between(t0, clock.instant()));
            }
            metrics.healthChecked(source, namespace, health.healthy(), Duration.between(t0, clock.instant()));
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("checks", health.checks());
            detail.put("tookMs", health.took().toMillis());
            if (health.healthy()) {
                try {
                    applier.finish(change);
                } catch (RolloutException e) {
                    detail.put("cleanup", "failed: " + e.getMessage());
                }
                recordNewVersion(); // before the final state: a run seen SUCCEEDED has its version recorded
                move("VERIFYING", "SUCCEEDED", RunStore.Move.of(detail));
                metrics.succeeded(source, namespace, took());
                log("run_succeeded", "verified healthy on " + change.toImage());
                return;
            }
            StringBuilder why = new StringBuilder("unhealthy:");
            for (Health.Check c : health.checks()) {
                if (!c.passed()) {
                    why.append(' ').append(c.name()).append(" (").append(c.detail()).append(')');
                }
            }
            metrics.rollback(source, namespace);
            moveRollback("VERIFYING", why.toString(), true, detail);
            rollback(applier, change);
        }

        private void rollbackAfter(String from, String error, boolean unhealthy, Applier applier, Change change) {
            metrics.rollback(source, namespace);
            moveRollback(from, error, unhealthy, Map.of());
            rollback(applier, change);
        }

        private void moveRollback(String from, String error, boolean unhealthy, Map<String, Object> detail) {
            move(from, "ROLLING_BACK", new RunStore.Move(error, unhealthy, null, detail));
            log("run_rolling_back", error);
        }

        private void rollback(Applier applier, Change change) {
            try {
                applier.rollback(change);
            } catch (RolloutException e) {
                move("ROLLING_BACK", "ROLLBACK_FAILED", new RunStore.Move("rollback failed: " + e.getMessage(), null,
                        null, Map.of()));
                metrics.failed(source, namespace, took());
                log("run_rollback_failed", e.getMessage());
                announce(NotificationEventType.ROLLBACK_FAILED);
                return;
            }
            String why = run.error(); // the reason it was rolled back
            move("ROLLING_BACK", "ROLLED_BACK", RunStore.Move.of(Map.of("restored", change.fromImage())));
            metrics.failed(source, namespace, took());
            log("run_rolled_back", "restored " + change.fromImage()
                    + (run.unhealthy() ? "; " + run.toTag() + " pinned for this asset" : ""));
            announce(NotificationEventType.ROLLBACK_DONE, why);
        }

        private void announce(NotificationEventType type) {
            announce(type, run.error());
        }

        /** Publishes the run's bad end (after its final move, so the event never runs ahead of the history). */
        private void announce(NotificationEventType type, String text) {
            try {
                Asset a = assets.find(run.assetId()).orElse(null);
                NotificationEvent.AssetRef ref = a != null ? NotificationEvent.AssetRef.of(a)
                        : new NotificationEvent.AssetRef(run.assetId(), run.key(), null);
                NotificationEvent.Change c = new NotificationEvent.Change(run.fromTag(), run.toTag(),
                        run.fromDigest(), run.toDigest(), run.changeType() == null ? null
                        : ChangeType.valueOf(run.changeType()));
                Instant at = clock.instant();
                notifier.publish(switch (type) {
                    case UPDATE_FAILED -> NotificationEvent.updateFailed(ref, run.id(), run.decisionId(), c,
                            run.scope(), text, at);
                    case ROLLBACK_DONE -> NotificationEvent.rollbackDone(ref, run.id(), run.decisionId(), c,
                            run.scope(), text, at);
                    case ROLLBACK_FAILED -> NotificationEvent.rollbackFailed(ref, run.id(), run.decisionId(), c,
                            run.scope(), text, at);
                    default -> throw new IllegalArgumentException("not a run event: " + type);
                });
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("event", "run_not_announced").addKeyValue("run_id", run.id())
                        .log("update run {} ended {} but could not be announced: {}", run.id(), run.state(),
                                rootMessage(e));
            }
        }

        /** When the rules or policies changed since the run's decision, decides again before anything is touched. */
        private boolean stillApproved() {
            PolicySnapshot s = policy.snapshot().orElse(null);
            if (s == null || decisions == null || (s.rules().revision().equals(run.rulesetRevision())
                    && java.util.Objects.equals(s.policies().revision(), run.policyRevision()))) {
                return true;
            }
            Decision d;
            try {
                d = retry(() -> decisions.decide(run.assetId(), new DecideRequest(run.toTag(), run.toDigest()),
                        "run:" + run.id()));
            } catch (ConflictException | CandidateRefusedException | InvalidInputException | NotFoundException e) {
                // the candidate cannot be decided any more (asset gone, tag no longer in the listing): nothing ran
                move("CLAIMED", "FAILED", new RunStore.Move("cannot be decided again before it started (the rules or"
                        + " policies changed): " + e.getMessage() + "; nothing was changed", null, true, Map.of()));
                log("run_superseded", "cannot be decided again: " + e.getMessage());
                return false;
            }
            if (RunPlanner.applicable(d) && d.toTag().equals(run.toTag())) {
                if (!retry(() -> runs.replaceDecision(run, owner, d))) {
                    throw new LeaseLost("lease of run " + run.id() + " lost while deciding again");
                }
                log("run_redecided", "decided again under the new rules: still APPROVE (decision " + d.id() + ")");
                return true;
            }
            move("CLAIMED", "FAILED", new RunStore.Move("decided again before it started (the rules or policies"
                    + " changed): " + d.outcome() + (d.mode().equals("ENFORCE") ? "" : " in " + d.mode() + " mode")
                    + " " + d.reasons() + "; nothing was changed", null, true, Map.of("decisionId", d.id())));
            log("run_superseded", "no longer approved: " + d.outcome());
            return false;
        }

        private void recordNewVersion() {
            try {
                Asset a = assets.find(run.assetId()).orElse(null);
                if (a != null) {
                    assets.upsert(a.key(), a.image(), run.toTag(), run.toDigest(), a.labels(), a.annotations(),
                            "run:" + run.id());
                }
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("event", "asset_version_not_recorded").addKeyValue("run_id", run.id())
                        .log("run {} succeeded but the asset's new version was not recorded (the next scan will): {}",
                                run.id(), rootMessage(e));
            }
        }

        private Duration took() {
            return applyStarted == null ? null : Duration.between(applyStarted, clock.instant());
        }

        /** One transition, retried while the database is away; LeaseLost when the run is no longer ours. */
        private void move(String from, String to, RunStore.Move m) {
            boolean moved = retry(() -> runs.move(run, owner, from, to, m, clock.instant()));
            if (!moved) {
                throw new LeaseLost("run " + run.id() + " is no longer " + from + " under this process's lease");
            }
            run = new RunRecord(run.id(), run.assetId(), run.decisionId(), run.key(), run.fromTag(), run.toTag(),
                    run.fromDigest(), run.toDigest(), run.fromImage(), run.toImage(), to, run.leaseOwner(),
                    run.leaseExpiresAt(), run.attempt(), m.error() != null ? m.error() : run.error(),
                    m.unhealthy() != null ? m.unhealthy() : run.unhealthy(), run.createdAt(), run.startedAt(),
                    run.rulesetRevision(), run.policyRevision(), null, run.scope(), run.changeType());
        }

        private void log(String event, String message) {
            LOG.atInfo().addKeyValue("event", event).addKeyValue("run_id", run.id()).addKeyValue("state", run.state())
                    .addKeyValue("asset", run.key().display())
                    .log("update run {} ({} {} → {}): {}", run.id(), run.key().display(), run.fromTag(), run.toTag(),
                            message);
        }
    }

    /** Runs {@code step} until it does not fail for a database reason (the database may be away for a while). */
    private <T> T retry(java.util.function.Supplier<T> step) {
        Duration delay = Duration.ofMillis(200);
        while (true) {
            try {
                return step.get();
            } catch (org.jdbi.v3.core.JdbiException e) {
                if (closed) {
                    throw e;
                }
                LOG.atWarn().addKeyValue("event", "run_store_unavailable")
                        .log("database unavailable, retrying in {} ms: {}", delay.toMillis(), rootMessage(e));
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                delay = delay.multipliedBy(2).compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay.multipliedBy(2);
            }
        }
    }

    /** Waits until this process works on no run, at most {@code timeout}; true when idle. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!working.isEmpty()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * Stops claiming; runs in progress keep their leases until they expire and are taken over. Returns once a poll
     * that was already under way has finished: before, close could return while that poll went on to claim runs
     * queued after it (RunExecutorTest saw another test's closed executor apply one of its runs).
     */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            closed = true;
            s = scheduler;
        }
        if (s != null) {
            s.shutdownNow();
            try {
                if (!s.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.atWarn().addKeyValue("event", "executor_close_timeout")
                            .log("a poll for update runs was still under way 30 s after close");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
