package dev.safeupdater.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import dev.safeupdater.model.Decision;
import org.jdbi.v3.core.Jdbi;

/**
 * Update runs: enqueue one per approved decision, claim due runs under a lease, move a run from state to state (each
 * move one transaction with its {@code run_event}; the rollback of an unhealthy version also writes its pin and audit
 * event), renew leases. Every write of a leased run checks that the caller still holds the lease.
 */
public final class RunStore {
    /** Serialises claimers across replicas on PostgreSQL (a transaction-scoped advisory lock; the limits hold). */
    private static final long CLAIM_LOCK = 0x5afe_0009L;
    private static final int DUE_BATCH = 500;

    private final Jdbi jdbi;
    private final boolean postgres;
    /** Serialises the claimers of this process (on H2 the only ones: an H2 file database has one process). */
    private static final ReentrantLock CLAIM_LOCK_LOCAL = new ReentrantLock();

    public RunStore(Database db) {
        this.jdbi = db.jdbi();
        this.postgres = db.isPostgres();
    }

    /**
     * Queues a run for an APPROVE decision unless the decision already has one or its asset has an active run; writes
     * the run and its first event in one transaction. Empty when nothing was queued.
     */
    public Optional<Long> enqueue(Decision d, String fromImage, String toImage, String actor, Instant now) {
        try {
            return jdbi.inTransaction(h -> {
                RunDao runs = new RunDao(h);
                Optional<Long> id = runs.insert(d.assetId(), d.id(), d.fromTag(), d.toTag(), d.fromDigest(),
                        d.toDigest(), fromImage, toImage, now);
                id.ifPresent(run -> runs.event(run, null, "QUEUED", actor,
                        JsonColumns.write(Map.of("decisionId", d.id())), now));
                return id;
            });
        } catch (RuntimeException e) {
            if (Conflicts.isUniqueViolation(e)) {
                return Optional.empty(); // another planner queued it (or another run of the asset) at the same moment
            }
            throw e;
        }
    }

    /** What a claimer decides about a due, queued run. */
    public interface Gate {
        /** Why {@code run} must wait now (maintenance window, freeze), or null when it may start. */
        String waitReason(RunRecord run);

        /**
         * Whether the claimer still works on {@code run} itself (its lease ran out while the database was away):
         * such a run is not taken over by the same process a second time.
         */
        default boolean busy(RunRecord run) {
            return false;
        }
    }

    /**
     * Claims due runs for {@code owner} until {@code until}: queued runs (QUEUED → CLAIMED, unless {@code gate} says
     * they wait) and unfinished runs whose lease expired (taken over in their state), within the limits: at most
     * {@code maxConcurrent} leased runs in all, {@code maxPerNamespace} per namespace. On PostgreSQL the due rows are
     * read with {@code FOR UPDATE SKIP LOCKED} under an advisory lock; on both databases each claim is a compare-and-set
     * on state and lease, so two claimers never get the same run.
     */
    public Claimed claim(String owner, Instant now, Instant until, int maxConcurrent, int maxPerNamespace,
                         Gate gate) {
        CLAIM_LOCK_LOCAL.lock();
        try {
            return jdbi.inTransaction(h -> {
                if (postgres) {
                    h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:k)) l").bind("k", CLAIM_LOCK)
                            .mapTo(Integer.class).one();
                }
                RunDao runs = new RunDao(h);
                List<String> active = runs.activeNamespaces(now);
                int total = active.size();
                Map<String, Integer> perNamespace = new HashMap<>();
                active.forEach(ns -> perNamespace.merge(ns, 1, Integer::sum));
                List<RunRecord> claimed = new ArrayList<>();
                for (RunRecord r : runs.due(now, DUE_BATCH, postgres)) {
                    if (total >= maxConcurrent) {
                        break;
                    }
                    boolean queued = r.state().equals("QUEUED");
                    if (!queued && gate.busy(r)) {
                        continue;
                    }
                    String ns = r.key().namespace();
                    if (queued && perNamespace.getOrDefault(ns, 0) >= maxPerNamespace) {
                        runs.setWaiting(r.id(), "apply.max-per-namespace (" + maxPerNamespace + ") runs in namespace \""
                                + ns + "\" at once", now);
                        continue;
                    }
                    if (queued) {
                        String reason = gate.waitReason(r);
                        if (reason != null) {
                            runs.setWaiting(r.id(), reason, now);
                            continue;
                        }
                    }
                    String to = queued ? "CLAIMED" : r.state();
                    if (!runs.takeLease(r.id(), r.state(), r.state(), to, owner, until, now)) {
                        continue;
                    }
                    Map<String, Object> detail = new HashMap<>();
                    detail.put("owner", owner);
                    if (!queued) {
                        detail.put("takenOverFrom", r.leaseOwner());
                        detail.put("leaseExpiredAt", String.valueOf(r.leaseExpiresAt()));
                    }
                    runs.event(r.id(), r.state(), to, owner, JsonColumns.write(detail), now);
                    total++;
                    perNamespace.merge(ns, 1, Integer::sum);
                    claimed.add(runs.find(r.id()).orElseThrow());
                }
                return new Claimed(claimed, total);
            });
        } finally {
            CLAIM_LOCK_LOCAL.unlock();
        }
    }

    /**
     * What one claim took, and how many runs (all replicas) held a live lease right after it: the number the
     * {@code apply.max-concurrent} limit is kept against.
     */
    public record Claimed(List<RunRecord> runs, int active) {
    }

    /** Options of one move. */
    public record Move(String error, Boolean unhealthy, Boolean superseded, Map<String, Object> detail) {
        public static Move of(Map<String, Object> detail) {
            return new Move(null, null, null, detail);
        }
    }

    /**
     * Moves run {@code run} held by {@code owner} from {@code from} to {@code to} with its event, in one transaction.
     * Moving an unhealthy run to ROLLED_BACK also pins its version for the asset (with an audit event). False when
     * the run is not in {@code from} or its lease is no longer {@code owner}'s (nothing written then).
     */
    public boolean move(RunRecord run, String owner, String from, String to, Move m, Instant now) {
        return jdbi.inTransaction(h -> {
            RunDao runs = new RunDao(h);
            if (!runs.move(run.id(), owner, from, to, m.error(), m.unhealthy(), m.superseded(), now)) {
                return false;
            }
            Map<String, Object> detail = new HashMap<>(m.detail() == null ? Map.of() : m.detail());
            if (m.error() != null) {
                detail.put("error", m.error());
            }
            runs.event(run.id(), from, to, owner, JsonColumns.write(detail), now);
            boolean unhealthy = m.unhealthy() != null ? m.unhealthy() : run.unhealthy();
            if (to.equals("ROLLED_BACK") && unhealthy) {
                String reason = "rolled back by update run " + run.id() + ": "
                        + (m.error() != null ? m.error() : run.error() != null ? run.error() : "failed its health checks");
                long pin = new PinDao(h).insert(run.assetId(), run.toTag(), run.toDigest(), reason, run.id(),
                        "run:" + run.id(), now, null);
                new AuditDao(h).append(now, "run:" + run.id(), "pin.add", "pin", Long.toString(pin),
                        PinStore.detail(run.assetId(), run.toTag(), run.toDigest(), reason, run.id()));
            }
            return true;
        });
    }

    /** Points a run at the decision made again before it started (same candidate). */
    public boolean replaceDecision(RunRecord run, String owner, Decision d) {
        return jdbi.inTransaction(h -> new RunDao(h).replaceDecision(run.id(), owner, d.id(), d.toDigest()));
    }

    /** Extends the leases {@code owner} holds on {@code ids}; how many it still holds. */
    public int renew(List<Long> ids, String owner, Instant until) {
        return jdbi.inTransaction(h -> new RunDao(h).renew(ids, owner, until));
    }

    public Optional<RunRecord> find(long id) {
        return jdbi.withHandle(h -> new RunDao(h).find(id));
    }

    /** The runs of one asset, oldest first. */
    public List<RunRecord> forAsset(long assetId) {
        return jdbi.withHandle(h -> new RunDao(h).forAsset(assetId));
    }

    /** The transitions of one run as {from, to, actor}, in order. */
    public List<String[]> events(long runId) {
        return jdbi.withHandle(h -> new RunDao(h).events(runId));
    }

    /** The source and namespace of every tracked asset, for metrics present from the start. */
    public List<String[]> sourcesAndNamespaces() {
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT source, namespace FROM asset WHERE gone_at IS NULL")
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list());
    }
}
