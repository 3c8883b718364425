package dev.safeupdater.execution;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.safeupdater.inventory.RegistryCredential;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.Cycle;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.History;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.ScopeMatch;
import dev.safeupdater.policy.Subject;
import dev.safeupdater.registry.Credentials;
import dev.safeupdater.store.CycleStore;
import dev.safeupdater.store.HistoryStore;
import dev.safeupdater.model.InvalidCursorException;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.ScanSourceResult;
import dev.safeupdater.version.ChangeClass;
import dev.safeupdater.version.ChangeClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The cycle: scan → discover → propose → decide → plan, on a schedule and on request, one at a time.
 *
 * <ul>
 * <li>scan: every inventory source ({@link ScanService}); a source that fails keeps its previous inventory.</li>
 * <li>discover: one registry lookup per distinct image ({@link TagService#discover}), in parallel within each
 * registry's limits; an image's repository is read with the credentials of the pull secrets its workloads list
 * (when the source reads them), else the Docker config.</li>
 * <li>propose: per asset the newest candidate of each change class (prerelease only where the scope opts in) and a
 * DIGEST candidate when the running tag's digest moved; decided by the policy in one rule session per batch of
 * assets ({@link CycleStore#assetsPerWrite}).</li>
 * <li>decide: appends a decision only where something about it changed and writes the plan, one transaction per
 * batch of assets (an asset's decisions and plan row are committed together).</li>
 * <li>plan: hands each asset's chosen decision that is APPROVE in an enforcing scope to the {@link ApplyStage} and
 * updates the pending-updates gauges.</li>
 * </ul>
 * A registry that refuses marks only its images stale (with the error); every other image is still decided.
 */
public final class CycleService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.cycle");
    /** How often a running cycle renews its heartbeat. */
    static final Duration HEARTBEAT = Duration.ofSeconds(30);
    /** A RUNNING cycle whose heartbeat is older than this is taken for dead, whoever ran it. */
    static final Duration DEAD_AFTER = Duration.ofMinutes(5);
    /** Change classes from lowest to highest: the plan proposes the highest APPROVE, else the highest HOLD. */
    static final List<String> CLASS_ORDER = List.of("DIGEST", "PRERELEASE", "PATCH", "MINOR", "MAJOR");

    private final ScanService scans;
    private final TagService tags;
    private final PolicyEngine policy;
    private final CycleStore store;
    private final HistoryStore history;
    private final Clock clock;
    private final String owner;
    private final Semaphore permit = new Semaphore(1);
    private final AtomicLong current = new AtomicLong();
    private final CycleMetrics metrics = new CycleMetrics();
    private final DecisionLog decisionLog = new DecisionLog();
    private final ExecutorService runner = Executors.newSingleThreadExecutor(daemon("cycle-runner"));
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            daemon("cycle-heartbeat"));
    private volatile ApplyStage apply = ApplyStage.NONE;
    private volatile Notifier notifier = Notifier.NONE;
    /** Scheduled cycles that failed in a row (see {@link #announceIfFailing}). */
    private final AtomicInteger failingInARow = new AtomicInteger();
    private ScheduledExecutorService scheduler;

    public CycleService(ScanService scans, TagService tags, PolicyEngine policy, CycleStore store,
                        HistoryStore history, Clock clock) {
        this.scans = scans;
        this.tags = tags;
        this.policy = policy;
        this.store = store;
        this.history = history;
        this.clock = clock;
        this.owner = host() + ":" + ProcessHandle.current().pid();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Hands each cycle's chosen decisions to {@code stage} (the applier; none by default). */
    public void applyTo(ApplyStage stage) {
        this.apply = java.util.Objects.requireNonNull(stage, "stage");
    }

    /** Newly stored decisions held for approval are announced to {@code notifier} (none by default). */
    public void notifyTo(Notifier notifier) {
        this.notifier = java.util.Objects.requireNonNull(notifier, "notifier");
    }

    /**
     * Marks cycles whose process is gone as INTERRUPTED: those this host ran under a process id that no longer
     * exists, and any whose heartbeat is older than {@link #DEAD_AFTER}. Returns their ids.
     */
    public List<Long> recover() {
        String host = host();
        Instant now = clock.instant();
        List<Long> ids = store.interrupt(r -> !r.owner().equals(owner) && (deadHere(r.owner(), host)
                || r.heartbeatAt().isBefore(now.minus(DEAD_AFTER))), now);
        for (long id : ids) {
            metrics.finished(Cycle.INTERRUPTED);
            LOG.atWarn().addKeyValue("event", "cycle_interrupted").addKeyValue("cycle_id", id)
                    .log("cycle {} was interrupted (its process stopped); marked INTERRUPTED", id);
        }
        return ids;
    }

    /**
     * Starts a cycle in the background and returns it (RUNNING).
     *
     * @throws CycleInProgressException when one runs (in this process or, with a live heartbeat, in another)
     */
    public Cycle start(String actor, String trigger) {
        long id = begin(actor, trigger);
        try {
            runner.submit(() -> {
                try {
                    run(id, actor, trigger);
                } finally {
                    end();
                }
            });
        } catch (RuntimeException e) {
            end();
            throw e;
        }
        return find(id);
    }

    /** Runs one cycle here and now and returns how it ended. */
    public Cycle runOnce(String actor, String trigger) {
        long id = begin(actor, trigger);
        try {
            return run(id, actor, trigger);
        } finally {
            end();
        }
    }

    /**
     * Server mode: marks cycles of dead processes INTERRUPTED, sets the pending-updates gauges from the plan as
     * stored (an earlier server's or {@code run --once}'s), then runs a cycle now and every {@code interval} (zero:
     * only on request); a tick that finds one running is skipped and counted.
     */
    public synchronized void startBackground(Duration interval) {
        recover();
        metrics.pending(store.plan(PlanFilter.ALL, null, 1).byOutcome());
        if (interval.isZero()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(daemon("cycle-scheduler"));
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                runOnce("scheduler", "schedule");
            } catch (CycleInProgressException e) {
                metrics.finished(CycleMetrics.SKIPPED);
                LOG.atInfo().addKeyValue("event", "cycle_skipped").addKeyValue("running", e.runningId())
                        .log("scheduled cycle skipped: cycle {} is still running", e.runningId());
            } catch (RuntimeException e) {
                LOG.atError().setCause(e).addKeyValue("event", "cycle_schedule_failed")
                        .log("scheduled cycle failed to start");
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Cycle find(long id) {
        return store.find(id).orElseThrow(() -> new NotFoundException("cycle", id));
    }

    public Page<Cycle> list(String cursor, int limit) {
        try {
            return store.list(cursor, limit);
        } catch (InvalidCursorException e) {
            throw new InvalidInputException(List.of(new FieldError("cursor", "is not a cursor of this listing")));
        }
    }

    /** The plan as the last cycles left it, filtered and paged, with totals. */
    public Plan plan(PlanFilter filter, String cursor, int limit) {
        InputCheck check = new InputCheck();
        if (filter.outcome() != null) {
            check.oneOf("outcome", filter.outcome(), List.of("APPROVE", "HOLD", "REJECT", "NONE"));
        }
        check.name("namespace", filter.namespace()).name("source", filter.source()).name("scope", filter.scope())
                .throwIfAny();
        try {
            return store.plan(filter, cursor, limit);
        } catch (InvalidCursorException e) {
            throw new InvalidInputException(List.of(new FieldError("cursor", "is not a cursor of this listing")));
        }
    }

    /** The plan's totals per inventory source name (assets registered over the API count under their origin). */
    public Map<String, Plan.Totals> planTotalsBySource() {
        return store.planTotalsBySource();
    }

    /** The id of the cycle running in this process, or 0. */
    public long running() {
        return current.get();
    }

    // ---- one cycle ----

    private long begin(String actor, String trigger) {
        if (!permit.tryAcquire()) {
            throw new CycleInProgressException(current.get());
        }
        try {
            recover();
            Instant now = clock.instant();
            Optional<CycleStore.Running> other = store.running().stream()
                    .filter(r -> r.heartbeatAt().isAfter(now.minus(DEAD_AFTER))).findFirst();
            if (other.isPresent()) {
                throw new CycleInProgressException(other.get().id());
            }
            long id = store.start(actor, trigger, owner, now);
            current.set(id);
            return id;
        } catch (RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    private void end() {
        current.set(0);
        permit.release();
    }

    private void heartbeat() {
        long id = current.get();
        if (id != 0) {
            try {
                store.heartbeat(id, clock.instant());
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("event", "cycle_heartbeat_failed").addKeyValue("cycle_id", id)
                        .log("cannot renew the heartbeat of cycle {}: {}", id, e.getMessage());
            }
        }
    }

    /** What one cycle has done so far. */
    private final class Run {
        final long id;
        final String actor;
        final String trigger;
        final Instant startedAt;
        final List<Cycle.Stage> stages = new ArrayList<>();
        final Map<String, Long> counts = new LinkedHashMap<>();
        final List<String> errors = new ArrayList<>();
        Long scanId;
        PolicySnapshot snapshot;
        boolean partial;

        Run(long id, String actor, String trigger, Instant startedAt) {
            this.id = id;
            this.actor = actor;
            this.trigger = trigger;
            this.startedAt = startedAt;
        }

        void count(String name, long value) {
            counts.merge(name, value, Long::sum);
        }

        void stage(String name, String status, Instant started, long nanos, String error) {
            stages.add(new Cycle.Stage(name, status, started, TimeUnit.NANOSECONDS.toMillis(nanos), error));
            metrics.stage(name, Duration.ofNanos(nanos));
            LOG.atInfo().addKeyValue("event", "cycle_stage").addKeyValue("stage", name).addKeyValue("status", status)
                    .addKeyValue("duration_ms", TimeUnit.NANOSECONDS.toMillis(nanos))
                    .log("cycle {}: {} {} in {} ms", id, name, status, TimeUnit.NANOSECONDS.toMillis(nanos));
            try {
                store.progress(id, stages, counts, errors, clock.instant());
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("event", "cycle_progress_failed").log("cannot record progress: {}",
                        e.getMessage());
            }
        }
    }

    private Cycle run(long id, String actor, String trigger) {
        MDC.put("cycle_id", Long.toString(id));
        long t0 = System.nanoTime();
        Run run = new Run(id, actor, trigger, clock.instant());
        LOG.atInfo().addKeyValue("event", "cycle_started").addKeyValue("actor", actor).addKeyValue("trigger", trigger)
                .log("cycle {} started ({}, by {})", id, trigger, actor);
        String state;
        try {
            stages(run);
            state = run.partial ? Cycle.PARTIAL : Cycle.SUCCEEDED;
        } catch (RuntimeException e) {
            LOG.atError().setCause(e).addKeyValue("event", "cycle_failed").log("cycle {} failed: {}", id,
                    e.getMessage());
            run.errors.add(message(e));
            state = Cycle.FAILED;
        }
        try {
            Instant finished = clock.instant();
            long nanos = System.nanoTime() - t0;
            metrics.stage("total", Duration.ofNanos(nanos));
            Cycle done = store.finish(new Cycle(id, state, actor, trigger, run.startedAt, finished,
                    TimeUnit.NANOSECONDS.toMillis(nanos), run.scanId,
                    run.snapshot == null ? null : run.snapshot.rules().revision(),
                    run.snapshot == null ? null : run.snapshot.policies().revision(), run.stages, run.counts,
                    run.errors));
            metrics.finished(state);
            if ("schedule".equals(trigger)) {
                announceIfFailing(done);
            }
            LOG.atInfo().addKeyValue("event", "cycle_finished").addKeyValue("state", state)
                    .addKeyValue("duration_ms", TimeUnit.NANOSECONDS.toMillis(nanos))
                    .addKeyValue("counts", run.counts.toString())
                    .log("cycle {} {} in {} ms: {}", id, state, TimeUnit.NANOSECONDS.toMillis(nanos), run.counts);
            return done;
        } finally {
            MDC.remove("cycle_id");
        }
    }

    /**
     * A scheduled cycle fails when it ends FAILED, or PARTIAL because sources failed or images could not be read (a
     * source's warnings alone do not count): each such cycle is announced as cycle-failing with how many scheduled
     * cycles in a row failed (the notifier drops repeats within an hour); one that does not fail resets the count.
     */
    private void announceIfFailing(Cycle done) {
        boolean failing = Cycle.FAILED.equals(done.state()) || done.count("sourcesFailed") > 0
                || done.count("stale") > 0;
        if (!failing) {
            failingInARow.set(0);
            return;
        }
        int n = failingInARow.incrementAndGet();
        List<String> errors = done.errors();
        String error = errors.isEmpty() ? done.state() : errors.getFirst()
                + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more errors)" : "");
        notifier.publish(NotificationEvent.cycleFailing(done.id(), n, error, clock.instant()));
    }

    private void stages(Run run) {
        scan(run);
        run.snapshot = policy.require();
        Instant now = clock.instant();

        // discover
        Instant started = clock.instant();
        long t = System.nanoTime();
        List<CycleStore.Tracked> tracked = store.tracked();
        run.count("assetsTracked", tracked.size());
        List<TagService.DiscoveryRequest> requests = new ArrayList<>();
        int[] requestOf = new int[tracked.size()];
        boolean[] prerelease = new boolean[tracked.size()];
        Map<String, Credentials> credentials = new LinkedHashMap<>();
        Set<String> images = new HashSet<>();
        for (int i = 0; i < tracked.size(); i++) {
            Asset a = tracked.get(i).asset();
            if (a.currentTag() == null || a.currentTag().isBlank()) {
                requestOf[i] = -1;
                continue;
            }
            ScopeMatch scope = run.snapshot.policies().explain(Candidates.of(a.key(), a.labels(), a.annotations(),
                    a.image(), a.currentTag(), a.currentDigest(), a.currentTag(), a.currentDigest(), null, null));
            prerelease[i] = scope != null && scope.policy().prerelease();
            requestOf[i] = requests.size();
            requests.add(new TagService.DiscoveryRequest(a.image(), a.currentTag(), a.currentDigest(),
                    prerelease[i]));
            images.add(TagService.storageName(a.image()));
            credentialsOf(tracked.get(i), credentials);
        }
        credentials.forEach((image, c) -> {
            try {
                tags.registry().useCredentials(ImageReference.parse(image), c);
            } catch (IllegalArgumentException e) {
                // not an OCI reference (an HTTP chart repository): no pull secrets apply
            }
        });
        long requestsBefore = tags.registry().client().requests();
        List<TagService.Discovery> found = tags.discover(requests);
        long registryRequests = tags.registry().client().requests() - requestsBefore;
        run.count("imagesLookedUp", images.size());
        run.count("registryRequests", registryRequests);
        metrics.registry(images.size(), registryRequests);
        Map<String, String> staleImages = new LinkedHashMap<>();
        for (TagService.Discovery d : found) {
            String error = error(d);
            if (error != null) {
                staleImages.putIfAbsent(d.image(), error);
            }
        }
        staleImages.forEach((image, error) -> run.errors.add(image + ": " + error));
        run.partial |= !staleImages.isEmpty();
        run.stage("discover", staleImages.isEmpty() ? "SUCCEEDED" : "PARTIAL", started, System.nanoTime() - t,
                staleImages.isEmpty() ? null : staleImages.size() + " of " + images.size()
                        + " images could not be read");

        // propose and decide, a batch of assets at a time: each batch's decisions, bookkeeping and plan rows are
        // committed together, and only the new decisions of one batch are held in memory
        Set<Long> withHistory = history.assetsWithHistory(now);
        Map<Long, Map<String, CycleStore.LastDecision>> last = store.lastDecisions();
        Map<Long, String> planPrints = store.planFingerprints();
        String decisionActor = "cycle:" + run.id;
        Batches batches = new Batches();
        int perBatch = store.assetsPerWrite();
        for (int from = 0; from < tracked.size(); from += perBatch) {
            batch(run, tracked.subList(from, Math.min(tracked.size(), from + perBatch)), from, requestOf,
                    prerelease, found, withHistory, last, planPrints, decisionActor, now, batches);
        }
        Instant finished = clock.instant();
        if (tracked.isEmpty()) {
            store.write(new CycleStore.CycleWrite(run.id, now, decisionActor, List.of(), List.of(), List.of(),
                    List.of(), List.of(), true));
        }
        run.count("candidates", batches.candidates);
        run.count("stale", batches.stale);
        run.stage("propose", "SUCCEEDED", batches.proposeStarted == null ? finished : batches.proposeStarted,
                batches.proposeNanos, null);
        run.count("decisionsWritten", batches.written);
        run.count("decisionsUnchanged", batches.unchanged);
        run.count("planRowsWritten", batches.planRows);
        run.count("planRowsUnchanged", batches.touched);
        run.stage("decide", "SUCCEEDED", batches.decideStarted == null ? finished : batches.decideStarted,
                batches.decideNanos, null);

        // plan: hand on the chosen decisions, update the gauges
        started = clock.instant();
        t = System.nanoTime();
        if (apply != ApplyStage.NONE) {
            List<Decision> chosen = new ArrayList<>(batches.chosenNew);
            chosen.addAll(store.decisions(batches.chosenExisting));
            run.count("enqueued", apply.enqueue(chosen));
        }
        Plan totals = store.plan(PlanFilter.ALL, null, 1);
        metrics.pending(totals.byOutcome());
        run.stage("plan", "SUCCEEDED", started, System.nanoTime() - t, null);
    }

    /** What the batches of one cycle add up to. */
    private static final class Batches {
        Instant proposeStarted;
        Instant decideStarted;
        long proposeNanos;
        long decideNanos;
        long candidates;
        long stale;
        long written;
        long unchanged;
        long planRows;
        long touched;
        final List<Decision> chosenNew = new ArrayList<>();
        final List<Long> chosenExisting = new ArrayList<>();
    }

    private void batch(Run run, List<CycleStore.Tracked> tracked, int offset, int[] requestOf, boolean[] prerelease,
                       List<TagService.Discovery> found, Set<Long> withHistory,
                       Map<Long, Map<String, CycleStore.LastDecision>> last, Map<Long, String> planPrints,
                       String decisionActor, Instant now, Batches out) {
        // propose
        if (out.proposeStarted == null) {
            out.proposeStarted = clock.instant();
        }
        long t = System.nanoTime();
        Proposals proposals = new Proposals();
        for (int i = 0; i < tracked.size(); i++) {
            int request = requestOf[offset + i];
            if (request >= 0) {
                propose(run.snapshot, tracked.get(i).asset(), i, found.get(request), prerelease[offset + i],
                        withHistory, now, proposals);
            }
        }
        List<Evaluation> evaluations = PolicyEngine.evaluate(run.snapshot, proposals.subjects, now);
        proposals.subjects.clear(); // the evaluations carry what is needed from here on
        out.candidates += evaluations.size();
        out.stale += proposals.stale.size();
        out.proposeNanos += System.nanoTime() - t;

        // decide
        if (out.decideStarted == null) {
            out.decideStarted = clock.instant();
        }
        t = System.nanoTime();
        Map<Integer, Map<String, Evaluation>> byAsset = new HashMap<>();
        for (int k = 0; k < evaluations.size(); k++) {
            byAsset.computeIfAbsent(proposals.subjectOf.get(k), x -> new HashMap<>())
                    .put(proposals.subjectClass.get(k), evaluations.get(k));
        }
        BatchWrites writes = new BatchWrites();
        for (int i = 0; i < tracked.size(); i++) {
            Asset a = tracked.get(i).asset();
            if (!proposals.staleIds.contains(a.id())) {
                decide(a, byAsset.getOrDefault(i, Map.of()), last.getOrDefault(a.id(), Map.of()),
                        planPrints.get(a.id()), decisionActor, run.id, now, out, writes);
            }
        }
        byAsset = null; // only the writes are needed from here on
        evaluations = null;
        boolean lastBatch = offset + tracked.size() >= requestOf.length;
        CycleStore.Written written = store.write(new CycleStore.CycleWrite(run.id, now, decisionActor,
                writes.newDecisions, writes.dropped, writes.plans, writes.unchangedPlans, proposals.stale,
                lastBatch));
        out.written += writes.newDecisions.size();
        out.planRows += written.planRows();
        out.touched += written.touched();
        if (apply != ApplyStage.NONE) {
            writes.chosenClass.forEach((assetId, cls) -> {
                Decision fresh = written.decisions().getOrDefault(assetId, Map.of()).get(cls);
                if (fresh != null) {
                    out.chosenNew.add(fresh);
                }
            });
        }
        out.decideNanos += System.nanoTime() - t;
        announce(tracked, written, writes.evaluationOfNew);
    }

    /** What a batch proposes: the subjects to evaluate (with their asset's index and change class), and stale assets. */
    private static final class Proposals {
        final List<Subject> subjects = new ArrayList<>();
        final List<Integer> subjectOf = new ArrayList<>();
        final List<String> subjectClass = new ArrayList<>();
        final List<CycleStore.StaleMark> stale = new ArrayList<>();
        final Set<Long> staleIds = new HashSet<>();

        void add(Subject subject, int index, String changeClass) {
            subjects.add(subject);
            subjectOf.add(index);
            subjectClass.add(changeClass);
        }
    }

    /** What a batch writes, besides its stale marks. */
    private static final class BatchWrites {
        final List<CycleStore.NewDecision> newDecisions = new ArrayList<>();
        final Map<Long, Evaluation> evaluationOfNew = new HashMap<>();
        final List<String> dropped = new ArrayList<>();
        final List<CycleStore.PlanWrite> plans = new ArrayList<>();
        final List<Long> unchangedPlans = new ArrayList<>();
        final Map<Long, String> chosenClass = new HashMap<>();
    }

    /**
     * Proposes asset {@code a} (the {@code index}th of its batch): the newest candidate of each change class its
     * discovery found (prerelease only where its scope opts in) and the running tag's moved digest; or marks it stale
     * when its image could not be read.
     */
    private void propose(PolicySnapshot snapshot, Asset a, int index, TagService.Discovery d, boolean prerelease,
                         Set<Long> withHistory, Instant now, Proposals out) {
        String error = error(d);
        if (error != null) {
            out.stale.add(new CycleStore.StaleMark(a.id(), error));
            out.staleIds.add(a.id());
            return;
        }
        for (ChangeClass c : ChangeClass.values()) {
            TagService.CandidateInfo info = d.candidates().get(c.key());
            if (info == null || (c == ChangeClass.PRERELEASE && !prerelease)) {
                continue;
            }
            out.add(subject(snapshot, a, info.tag(), info.digest(), info.releaseTime(), info.releaseTimeSource(),
                    withHistory, now), index, c.name());
        }
        TagService.CandidateInfo moved = d.candidates().get(TagService.DIGEST); // the running tag moved
        if (moved != null) {
            out.add(subject(snapshot, a, moved.tag(), moved.digest(), moved.releaseTime(), moved.releaseTimeSource(),
                    withHistory, now), index, "DIGEST");
        }
    }

    /**
     * Decides asset {@code a} from its evaluations by change class: a decision is appended for each class whose
     * fingerprint differs from the last one ({@code before}), and the plan row is written when its fingerprint differs
     * from {@code planPrint} (the stored one).
     */
    private void decide(Asset a, Map<String, Evaluation> mine, Map<String, CycleStore.LastDecision> before,
                        String planPrint, String decisionActor, long cycleId, Instant now, Batches out,
                        BatchWrites writes) {
        Map<String, String> prints = new HashMap<>();
        List<PlanEntry.PlanCandidate> candidates = new ArrayList<>();
        for (String cls : CLASS_ORDER) {
            Evaluation e = mine.get(cls);
            if (e == null) {
                continue;
            }
            Decision d = decision(a, e, decisionActor, now);
            String print = fingerprint(d);
            prints.put(cls, print);
            CycleStore.LastDecision previous = before.get(cls);
            Long decisionId = null;
            if (previous != null && previous.fingerprint().equals(print)) {
                out.unchanged++;
                decisionId = previous.decisionId();
            } else {
                writes.newDecisions.add(new CycleStore.NewDecision(d, cls, print));
                writes.evaluationOfNew.put(a.id() * 8 + CLASS_ORDER.indexOf(cls), e);
            }
            candidates.add(new PlanEntry.PlanCandidate(cls, d.toTag(), d.toDigest(), d.outcome(),
                    String.join("; ", d.reasons()), decisionId));
        }
        for (String cls : before.keySet()) {
            if (!mine.containsKey(cls)) {
                writes.dropped.add(a.id() + ":" + cls);
            }
        }
        String chosen = choose(mine);
        PlanEntry entry = planEntry(a, chosen == null ? null : mine.get(chosen), chosen, candidates, cycleId, now);
        String print = planFingerprint(entry, chosen, prints);
        if (chosen != null && RunPlanner.applicable(entry.outcome(), entry.mode())) {
            writes.chosenClass.put(a.id(), chosen);
            if (entry.decisionId() != null && apply != ApplyStage.NONE) {
                out.chosenExisting.add(entry.decisionId());
            }
        }
        if (print.equals(planPrint)) {
            writes.unchangedPlans.add(a.id());
        } else {
            writes.plans.add(new CycleStore.PlanWrite(entry, chosen, print));
        }
    }

    private void scan(Run run) {
        Instant started = clock.instant();
        long t = System.nanoTime();
        if (scans == null || scans.sources().isEmpty()) {
            run.stage("scan", "SKIPPED", started, System.nanoTime() - t,
                    "no inventory sources are configured (inventory.file); the stored assets are decided");
            return;
        }
        ScanRun scan = scans.scanAll("cycle:" + run.id);
        run.scanId = scan.id();
        long seen = 0;
        int failed = 0;
        int partial = 0;
        for (ScanSourceResult s : scan.sources()) {
            seen += s.seen();
            if (s.status().equals(ScanSourceResult.FAILED)) {
                failed++;
                run.errors.add("source " + s.name() + ": " + s.error());
            } else if (s.status().equals(ScanSourceResult.PARTIAL)) {
                // the source warned (its file refused and the last good one scanned, a namespace it may not list,
                // a pull secret it cannot read): what it saw is decided, and the cycle says what it warned of
                partial++;
                run.errors.add("source " + s.name() + ": " + firstOf(s.warnings(), scan.id()));
            }
        }
        run.count("assetsScanned", seen);
        run.count("sourcesFailed", failed);
        run.count("sourcesPartial", partial);
        run.partial |= failed + partial > 0;
        List<String> said = new ArrayList<>();
        if (failed > 0) {
            said.add(failed + " of " + scan.sources().size() + " sources failed; their previous inventory is used");
        }
        if (partial > 0) {
            said.add("sources scanned with warnings: " + partial + " of " + scan.sources().size() + " (see errors)");
        }
        run.stage("scan", failed == scan.sources().size() ? "FAILED" : said.isEmpty() ? "SUCCEEDED" : "PARTIAL",
                started, System.nanoTime() - t, said.isEmpty() ? null : String.join("; ", said));
    }

    /** A source's warnings for the cycle's errors: the first three, and how many more the scan lists. */
    private static String firstOf(List<String> warnings, long scanId) {
        String first = String.join("; ", warnings.subList(0, Math.min(3, warnings.size())));
        return warnings.size() <= 3 ? first
                : first + "; and " + (warnings.size() - 3) + " more (GET /api/v1/scan/" + scanId + ")";
    }

    /** The credentials an asset's own pull secrets give for its image's registry (first asset of an image wins). */
    private void credentialsOf(CycleStore.Tracked t, Map<String, Credentials> out) {
        Asset a = t.asset();
        ImageReference ref;
        try {
            ref = ImageReference.parse(a.image().startsWith("oci://") ? a.image().substring(6) : a.image());
        } catch (IllegalArgumentException e) {
            return;
        }
        String key = ref.repositoryOnly().name();
        if (out.containsKey(key) && out.get(key) != null) {
            return;
        }
        Credentials found = null;
        if (scans != null && !t.pullSecrets().isEmpty()) {
            Optional<RegistryCredential> c = scans.pullCredentials().forAsset(a.key(), t.pullSecrets(),
                    ref.registry());
            if (c.isPresent()) {
                found = new Credentials(c.get().username(), c.get().password(), c.get().identityToken());
            }
        }
        out.put(key, found); // null: the configured credentials (the Docker config)
    }

    private Subject subject(PolicySnapshot snapshot, Asset a, String tag, String digest, Instant releaseTime,
                            ReleaseTimeSource source, Set<Long> withHistory, Instant now) {
        Candidate c = Candidates.of(a.key(), a.labels(), a.annotations(), a.image(), a.currentTag(),
                a.currentDigest(), tag, digest, releaseTime, source);
        ScopeMatch scope = snapshot.policies().explain(c);
        History past = History.EMPTY;
        if (withHistory.contains(a.id())) {
            // failures within the window the engine applies to every history (as DecisionService.decide reads them)
            Duration lookback = new Subject(c, scope, null).failureWindow();
            past = history.history(a.id(), tag, digest, now.minus(lookback), now);
        }
        return new Subject(c, scope, past);
    }

    private static Decision decision(Asset a, Evaluation e, String actor, Instant now) {
        Candidate c = e.candidate();
        return new Decision(0, a.id(), c.currentTag(), c.candidateTag(), c.currentDigest(), c.candidateDigest(),
                c.changeType(), e.outcome(), e.reasons(), e.firedRules(), e.decidedBy(), e.rulesetRevision(),
                e.policyRevision(), e.scopeName(), e.mode().name(), DecisionService.inputs(e), actor, now);
    }

    /**
     * The highest class that is APPROVE; else the highest HOLD that ends by itself (everything it waits for has an
     * end: a window opening, the release growing old enough, a freeze or cooldown ending), which is the update that
     * will come without anyone acting; else the highest HOLD (it waits for a person); else the highest REJECT; null:
     * no candidate.
     */
    static String choose(Map<String, Evaluation> byClass) {
        String held = null;
        for (Outcome wanted : List.of(Outcome.APPROVE, Outcome.HOLD, Outcome.REJECT)) {
            for (int i = CLASS_ORDER.size() - 1; i >= 0; i--) {
                Evaluation e = byClass.get(CLASS_ORDER.get(i));
                if (e == null || e.outcome() != wanted) {
                    continue;
                }
                if (wanted != Outcome.HOLD || endsByItself(PlanWaits.of(e))) {
                    return CLASS_ORDER.get(i);
                }
                held = held == null ? CLASS_ORDER.get(i) : held;
            }
            if (held != null) {
                return held;
            }
        }
        return null;
    }

    /** True when there is something to wait for and each of it ends at a known time (no person is needed). */
    private static boolean endsByItself(List<PlanEntry.WaitsFor> waits) {
        return !waits.isEmpty() && waits.stream().allMatch(w -> w.until() != null);
    }

    private static PlanEntry planEntry(Asset a, Evaluation e, String chosen, List<PlanEntry.PlanCandidate> candidates,
                                       long cycleId, Instant now) {
        if (e == null) {
            String reason = nothingProposed(a);
            return new PlanEntry(a.id(), a.key(), a.image(), a.currentTag(), a.currentDigest(), null, null, null, null,
                    null, reason, null, null, List.of(), List.of(), null, cycleId, now, false, null, null);
        }
        Candidate c = e.candidate();
        Long decisionId = candidates.stream().filter(x -> x.changeClass().equals(chosen)).findFirst()
                .map(PlanEntry.PlanCandidate::decisionId).orElse(null);
        return new PlanEntry(a.id(), a.key(), a.image(), a.currentTag(), a.currentDigest(), c.candidateTag(),
                c.candidateDigest(), c.changeType(), e.outcome(), e.decidedBy(), String.join("; ", e.reasons()),
                e.scopeName(), e.mode().name(), PlanWaits.of(e), candidates, decisionId, cycleId, now, false, null,
                null);
    }

    /**
     * Why an asset without candidates has nothing proposed. A mutable tag ({@code latest}, {@code 1.25}) can also move
     * to a new image: that is only seen when the digest the asset runs is known.
     */
    static String nothingProposed(Asset a) {
        String tag = a.currentTag();
        if (tag == null || tag.isBlank()) {
            return "runs by digest only: there is no tag to compare";
        }
        String noNewer = "the registry has no newer compatible tag than " + tag;
        if (ChangeClassifier.isExactVersion(tag)) {
            return "up to date: " + noNewer;
        }
        if (a.currentDigest() == null || a.currentDigest().isBlank()) {
            return "nothing to propose: " + noNewer + ", and whether " + tag + " now names another image cannot be"
                    + " seen: the digest the asset runs is not known";
        }
        return "up to date: " + noNewer + ", and " + tag + " still names the image the asset runs";
    }

    /** Logs and counts each appended decision (as a stored decision) and announces those held for approval. */
    private void announce(List<CycleStore.Tracked> tracked, CycleStore.Written written,
                          Map<Long, Evaluation> evaluationOfNew) {
        if (written.decisions().isEmpty()) {
            return;
        }
        Map<Long, Asset> assets = new HashMap<>();
        tracked.forEach(t -> assets.put(t.asset().id(), t.asset()));
        written.decisions().forEach((assetId, byClass) -> byClass.forEach((cls, d) -> {
            Evaluation e = evaluationOfNew.get(assetId * 8 + CLASS_ORDER.indexOf(cls));
            if (e != null) {
                decisionLog.record(e, assetId, d.id(), true);
                if (notifier != Notifier.NONE) {
                    HeldForApproval.event(assets.get(assetId), d, e).ifPresent(notifier::publish);
                }
            }
        }));
    }

    /** The error that makes a discovery unusable (stale listing, failed lookup of a candidate), or null. */
    private static String error(TagService.Discovery d) {
        if (d.stale() || d.error() != null) {
            return d.error() == null ? "the registry listing is stale" : d.error();
        }
        for (TagService.CandidateInfo c : d.candidates().values()) {
            if (c.error() != null) {
                return c.tag() + ": " + c.error();
            }
        }
        return null;
    }

    /**
     * What makes a decision "the same" as the last one for its asset and change class: the asset's current tag and
     * digest, the candidate's tag and digest, change type, outcome, reasons, deciding rule, rule-set and policy
     * revisions, scope and mode.
     */
    static String fingerprint(Decision d) {
        return sha256(String.join("\u0000", d.fromTag(), s(d.fromDigest()), d.toTag(), s(d.toDigest()),
                d.changeType().name(), d.outcome().name(), String.join("\u0001", d.reasons()), s(d.decidedBy()),
                d.rulesetRevision(), s(d.policyRevision()), s(d.scope()), d.mode()));
    }

    private static String planFingerprint(PlanEntry e, String chosen, Map<String, String> decisionPrints) {
        StringBuilder sb = new StringBuilder().append(e.image()).append('\u0000').append(s(e.currentTag()))
                .append('\u0000').append(s(e.currentDigest())).append('\u0000').append(s(chosen)).append('\u0000')
                .append(s(e.reason()));
        for (PlanEntry.PlanCandidate c : e.candidates()) {
            sb.append('\u0000').append(c.changeClass()).append('=').append(decisionPrints.get(c.changeClass()));
        }
        for (PlanEntry.WaitsFor w : e.waitsFor()) {
            sb.append('\u0000').append(w.kind()).append(':').append(w.text());
        }
        return sha256(sb.toString());
    }

    private static String s(String v) {
        return v == null ? "" : v;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    private static boolean deadHere(String otherOwner, String host) {
        int colon = otherOwner.lastIndexOf(':');
        if (colon < 0 || !otherOwner.substring(0, colon).equals(host)) {
            return false;
        }
        try {
            long pid = Long.parseLong(otherOwner.substring(colon + 1));
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    private static String message(Throwable e) {
        if (e instanceof PolicyEngine.NoActiveRuleSetException) {
            return "no rule set is active: fix the rules and policies (GET /api/v1/rules shows why)";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        runner.shutdownNow();
        heartbeats.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread th = new Thread(r, name);
            th.setDaemon(true);
            return th;
        };
    }
}
