package dev.safeupdater.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.Cycle;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import org.jdbi.v3.core.Jdbi;

/**
 * The record of cycles, the last decision per asset and change class (to append a decision only when it changed),
 * and the plan. A cycle's decisions, plan rows and stale marks are written in one transaction.
 */
public final class CycleStore {
    private static final String CURSOR_KIND = "cycle";
    private static final String PLAN_CURSOR_KIND = "plan";

    private final Jdbi jdbi;
    private final int assetsPerWrite;

    public CycleStore(Database db) {
        this(db, db.isPostgres() ? 1_000 : 100);
    }

    /** A store whose writes carry {@code assetsPerWrite} assets (see {@link #assetsPerWrite()}). */
    public CycleStore(Database db, int assetsPerWrite) {
        if (assetsPerWrite < 1) {
            throw new IllegalArgumentException("assetsPerWrite must be at least 1: " + assetsPerWrite);
        }
        this.jdbi = db.jdbi();
        this.assetsPerWrite = assetsPerWrite;
    }

    /**
     * How many assets' decisions and plan rows one {@link #write} should carry (the cycle proposes and decides that
     * many at a time). H2: 100, up to 300 decisions with their index entries, so that the transaction fits in H2's
     * write buffer and is committed without its pages being stored, evicted and read back first (with 1,000 the H2
     * decide stage of the first bench cycle took 6 s, not 4). PostgreSQL: 1,000, as each commit waits for the WAL
     * flush (with 100 its decide stage took 6-9 s, not 4).
     */
    public int assetsPerWrite() {
        return assetsPerWrite;
    }

    // ---- cycles ----

    /** Records a cycle as RUNNING; returns its id. */
    public long start(String actor, String trigger, String owner, Instant now) {
        return jdbi.withHandle(h -> new CycleDao(h).insert(actor, trigger, owner, now));
    }

    public void heartbeat(long id, Instant now) {
        jdbi.useHandle(h -> new CycleDao(h).heartbeat(id, now));
    }

    /** A RUNNING cycle as the store knows it: who runs it and when it last said so. */
    public record Running(long id, String owner, Instant heartbeatAt) {
    }

    public List<Running> running() {
        return jdbi.withHandle(h -> new CycleDao(h).running());
    }

    /** Marks the RUNNING cycles {@code dead} says are no longer running as INTERRUPTED; returns their ids. */
    public List<Long> interrupt(Predicate<Running> dead, Instant now) {
        return jdbi.inTransaction(h -> {
            CycleDao dao = new CycleDao(h);
            List<Long> ids = new ArrayList<>();
            for (Running r : dao.running()) {
                if (dead.test(r) && dao.interrupt(r.id(), now) == 1) {
                    ids.add(r.id());
                    new AuditDao(h).append(now, "system", "cycle.interrupted", "cycle", Long.toString(r.id()),
                            Map.of("owner", r.owner()));
                }
            }
            return ids;
        });
    }

    /** Stores the stages, counts and errors so far (the cycle keeps running). */
    public void progress(long id, List<Cycle.Stage> stages, Map<String, Long> counts, List<String> errors,
                         Instant now) {
        jdbi.useHandle(h -> new CycleDao(h).progress(id, stages, counts, errors, now));
    }

    /** Sets the final state and what the cycle did, with the audit event {@code cycle.finish}. */
    public Cycle finish(Cycle done) {
        return jdbi.inTransaction(h -> {
            CycleDao dao = new CycleDao(h);
            dao.finish(done);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("state", done.state());
            detail.put("trigger", done.trigger());
            detail.put("counts", done.counts());
            detail.put("errors", done.errors().size());
            new AuditDao(h).append(done.finishedAt(), done.actor(), "cycle.finish", "cycle",
                    Long.toString(done.id()), detail);
            return dao.find(done.id()).orElseThrow();
        });
    }

    public Optional<Cycle> find(long id) {
        return jdbi.withHandle(h -> new CycleDao(h).find(id));
    }

    /** Cycles newest first, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Cycle> list(String cursor, int limit) {
        long before = cursor == null ? Long.MAX_VALUE : Cursors.decode(CURSOR_KIND, cursor);
        List<Cycle> rows = jdbi.withHandle(h -> new CycleDao(h).listBefore(before, limit + 1));
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<Cycle> page = rows.subList(0, limit);
        return new Page<>(page, Cursors.encode(CURSOR_KIND, page.getLast().id()));
    }

    // ---- what a cycle reads ----

    /** A tracked (not gone) asset and the names of the pull secrets its workload lists. */
    public record Tracked(Asset asset, List<String> pullSecrets) {
    }

    /** Every tracked asset, in id order. */
    public List<Tracked> tracked() {
        return jdbi.withHandle(h -> new CycleDao(h).tracked());
    }

    /** The last decision a cycle wrote for one asset and change class, and its fingerprint. */
    public record LastDecision(long decisionId, String fingerprint) {
    }

    /** asset id → change class → the last decision cycles wrote. */
    public Map<Long, Map<String, LastDecision>> lastDecisions() {
        return jdbi.withHandle(h -> new CycleDao(h).lastDecisions());
    }

    /** asset id → fingerprint of its plan row. */
    public Map<Long, String> planFingerprints() {
        return jdbi.withHandle(h -> new CycleDao(h).planFingerprints());
    }

    /** Decisions by id, in the order asked. */
    public List<Decision> decisions(List<Long> ids) {
        return jdbi.withHandle(h -> {
            Map<Long, Decision> byId = new HashMap<>();
            DecisionDao dao = new DecisionDao(h);
            Chunks.forEach(ids, AssetDao.CHUNK, chunk -> dao.findByIds(chunk).forEach(d -> byId.put(d.id(), d)));
            return ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
        });
    }

    // ---- what a cycle writes ----

    /** A decision to append for {@code changeClass} of its asset, with its fingerprint. */
    public record NewDecision(Decision decision, String changeClass, String fingerprint) {
    }

    /**
     * A plan row to write. {@code entry}'s decision ids may be null where the decision is appended in the same
     * write (then they are filled from it, by asset and change class); {@code chosenClass} names the chosen
     * candidate's class (null: nothing proposed).
     */
    public record PlanWrite(PlanEntry entry, String chosenClass, String fingerprint) {
    }

    /** An asset whose registry data could not be read this cycle, and why. */
    public record StaleMark(long assetId, String error) {
    }

    /**
     * Everything one cycle writes, and what it found unchanged. {@code unchangedPlans}: assets whose current (not
     * stale) plan row stays as it is; a stale row that can be evaluated again goes in {@code plans}.
     */
    public record CycleWrite(long cycleId, Instant now, String actor, List<NewDecision> decisions,
                             List<String> droppedClasses, List<PlanWrite> plans, List<Long> unchangedPlans,
                             List<StaleMark> stale, boolean dropGone) {
    }

    /** What {@link #write} stored: the decisions with their ids, by asset id and change class. */
    public record Written(Map<Long, Map<String, Decision>> decisions, int planRows, int touched) {
    }

    /**
     * In one transaction: appends the new decisions (and remembers each as the last of its asset and change class),
     * forgets the classes in {@code droppedClasses} ({@code assetId:CLASS}), writes the changed plan rows, renews
     * the evaluation time of the unchanged ones, marks stale ones, drops plan rows of gone assets (when asked), and appends one
     * audit event {@code cycle.decide}.
     */
    public Written write(CycleWrite w) {
        return jdbi.inTransaction(h -> {
            CycleDao dao = new CycleDao(h);
            Map<Long, Map<String, Decision>> stored = new HashMap<>();
            if (!w.decisions().isEmpty()) {
                List<Decision> rows = w.decisions().stream().map(NewDecision::decision).toList();
                List<Long> ids = new DecisionDao(h).insertAll(rows);
                List<CycleDao.Remembered> remembered = new ArrayList<>(ids.size());
                for (int i = 0; i < ids.size(); i++) {
                    NewDecision n = w.decisions().get(i);
                    Decision d = n.decision();
                    Decision withId = new Decision(ids.get(i), d.assetId(), d.fromTag(), d.toTag(), d.fromDigest(),
                            d.toDigest(), d.changeType(), d.outcome(), d.reasons(), d.firedRules(), d.decidedBy(),
                            d.rulesetRevision(), d.policyRevision(), d.scope(), d.mode(), d.inputs(), d.actor(),
                            d.decidedAt());
                    stored.computeIfAbsent(d.assetId(), k -> new HashMap<>()).put(n.changeClass(), withId);
                    remembered.add(new CycleDao.Remembered(d.assetId(), n.changeClass(), ids.get(i),
                            n.fingerprint()));
                }
                dao.remember(remembered);
            }
            dao.forget(w.droppedClasses());
            List<PlanWrite> plans = new ArrayList<>(w.plans().size());
            for (PlanWrite p : w.plans()) {
                plans.add(withIds(p, stored.get(p.entry().assetId())));
            }
            dao.replacePlans(plans, w.cycleId(), w.now());
            int touched = dao.touch(w.unchangedPlans(), w.cycleId(), w.now());
            dao.markStale(w.stale(), w.cycleId(), w.now());
            if (w.dropGone()) {
                dao.dropGone();
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("decisionsWritten", w.decisions().size());
            detail.put("planRows", plans.size());
            detail.put("unchanged", touched);
            detail.put("stale", w.stale().size());
            new AuditDao(h).append(w.now(), w.actor(), "cycle.decide", "cycle", Long.toString(w.cycleId()),
                    detail);
            return new Written(stored, plans.size(), touched);
        });
    }

    private static PlanWrite withIds(PlanWrite p, Map<String, Decision> stored) {
        if (stored == null) {
            return p;
        }
        PlanEntry e = p.entry();
        List<PlanEntry.PlanCandidate> candidates = e.candidates().stream().map(c -> {
            Decision d = stored.get(c.changeClass());
            return d == null ? c : new PlanEntry.PlanCandidate(c.changeClass(), c.tag(), c.digest(), c.outcome(),
                    c.reason(), d.id());
        }).toList();
        Long chosen = e.decisionId();
        if (p.chosenClass() != null && stored.get(p.chosenClass()) != null) {
            chosen = stored.get(p.chosenClass()).id();
        }
        return new PlanWrite(new PlanEntry(e.assetId(), e.asset(), e.image(), e.currentTag(), e.currentDigest(),
                e.proposedTag(), e.proposedDigest(), e.changeType(), e.outcome(), e.decidedBy(), e.reason(),
                e.scope(), e.mode(), e.waitsFor(), candidates, chosen, e.cycleId(), e.evaluatedAt(), e.stale(),
                e.staleSince(), e.error()), p.chosenClass(), p.fingerprint());
    }

    // ---- the plan ----

    /** The plan's totals per inventory source name (see {@link CycleDao#planTotalsByOrigin}), by name. */
    public Map<String, Plan.Totals> planTotalsBySource() {
        return jdbi.withHandle(h -> new CycleDao(h).planTotalsByOrigin());
    }

    /** The plan entries passing {@code filter}, in asset id order, {@code limit} at a time, with totals. */
    public Plan plan(PlanFilter filter, String cursor, int limit) {
        long after = cursor == null ? 0 : Cursors.decode(PLAN_CURSOR_KIND, cursor);
        return jdbi.withHandle(h -> {
            CycleDao dao = new CycleDao(h);
            List<PlanEntry> rows = dao.plan(filter, after, limit + 1);
            Map<String, Long> byOutcome = dao.planTotals(filter);
            long stale = byOutcome.remove("stale");
            long total = byOutcome.values().stream().mapToLong(Long::longValue).sum();
            String next = null;
            if (rows.size() > limit) {
                rows = rows.subList(0, limit);
                next = Cursors.encode(PLAN_CURSOR_KIND, rows.getLast().assetId());
            }
            return new Plan(rows, next, total, byOutcome, stale);
        });
    }
}
