package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Cycle;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * SQL for {@code cycle}, {@code cycle_decision}, {@code asset_plan} and its narrow {@code plan_evaluation} (the last
 * cycle and evaluation time of each plan row, renewed by every cycle: kept out of the wide row since V19). Every
 * writer of a plan row writes its plan_evaluation row in the same transaction. Runs inside the caller's handle.
 */
final class CycleDao {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
    private static final int MAX_ERROR = 2000;
    private static final int MAX_REASON = 4000;

    private static final String CYCLE_COLUMNS = "id, state, actor, trigger_kind, started_at, finished_at, scan_id,"
            + " ruleset_revision, policy_revision, stages, counts, errors";

    private static final String ASSET_COLUMNS = "a.id, a.source, a.cluster, a.namespace, a.kind, a.name, a.container,"
            + " a.image, a.current_tag, a.current_digest, a.labels, a.annotations, a.first_seen, s.last_seen,"
            + " a.gone_at";

    private static final String PLAN_COLUMNS = "p.asset_id, a.source, a.cluster, a.namespace, a.kind, a.name,"
            + " a.container, a.image, a.current_tag, a.current_digest, p.proposed_tag, p.proposed_digest,"
            + " p.change_type, p.outcome, p.decided_by, p.reason, p.scope_name, p.mode, p.waits_for, p.candidates,"
            + " p.decision_id, e.cycle_id, e.evaluated_at, p.stale, p.stale_since, p.error";

    private static final String INSERT_PLAN = "INSERT INTO asset_plan (asset_id,"
            + " decision_id, proposed_tag, proposed_digest, change_type, outcome, decided_by, reason, scope_name, mode,"
            + " waits_for, candidates, fingerprint, stale, stale_since, error) VALUES (:asset,"
            + " :decision, :tag, :digest, :changeType, :outcome, :decidedBy, :reason, :scope, :mode,"
            + " CAST(:waitsFor AS <json>), CAST(:candidates AS <json>), :fingerprint, FALSE, NULL, NULL)";

    /** (asset, class) → decision, as {@link CycleStore#write} remembers it. */
    record Remembered(long assetId, String changeClass, long decisionId, String fingerprint) {
    }

    private final Handle handle;

    CycleDao(Handle handle) {
        this.handle = handle;
    }

    // ---- cycle ----

    long insert(String actor, String trigger, String owner, Instant now) {
        return handle.createUpdate("INSERT INTO cycle (state, actor, trigger_kind, owner, started_at, heartbeat_at,"
                        + " stages, counts, errors) VALUES ('RUNNING', :actor, :trigger, :owner, :now, :now,"
                        + " CAST('[]' AS <json>), CAST('{}' AS <json>), CAST('[]' AS <json>))")
                .bind("actor", actor).bind("trigger", trigger).bind("owner", owner).bind("now", Times.bind(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    void heartbeat(long id, Instant now) {
        handle.createUpdate("UPDATE cycle SET heartbeat_at = :now WHERE id = :id AND state = 'RUNNING'")
                .bind("id", id).bind("now", Times.bind(now)).execute();
    }

    List<CycleStore.Running> running() {
        return handle.createQuery("SELECT id, owner, heartbeat_at FROM cycle WHERE state = 'RUNNING' ORDER BY id")
                .map((rs, ctx) -> new CycleStore.Running(rs.getLong("id"), rs.getString("owner"),
                        Times.read(rs, "heartbeat_at")))
                .list();
    }

    int interrupt(long id, Instant now) {
        return handle.createUpdate("UPDATE cycle SET state = 'INTERRUPTED', finished_at = :now,"
                        + " errors = CAST(:errors AS <json>) WHERE id = :id AND state = 'RUNNING'")
                .bind("id", id).bind("now", Times.bind(now))
                .bind("errors", JsonColumns.write(List.of("the process running this cycle stopped before it"
                        + " finished; nothing it had not committed was kept")))
                .execute();
    }

    void progress(long id, List<Cycle.Stage> stages, Map<String, Long> counts, List<String> errors, Instant now) {
        handle.createUpdate("UPDATE cycle SET stages = CAST(:stages AS <json>), counts = CAST(:counts AS <json>),"
                        + " errors = CAST(:errors AS <json>), heartbeat_at = :now WHERE id = :id AND state = 'RUNNING'")
                .bind("id", id).bind("stages", JsonColumns.write(stages)).bind("counts", JsonColumns.write(counts))
                .bind("errors", JsonColumns.write(errors)).bind("now", Times.bind(now)).execute();
    }

    void finish(Cycle c) {
        handle.createUpdate("UPDATE cycle SET state = :state, finished_at = :finished, heartbeat_at = :finished,"
                        + " scan_id = :scan, ruleset_revision = :rules, policy_revision = :policies,"
                        + " stages = CAST(:stages AS <json>), counts = CAST(:counts AS <json>),"
                        + " errors = CAST(:errors AS <json>) WHERE id = :id")
                .bind("id", c.id()).bind("state", c.state()).bind("finished", Times.bind(c.finishedAt()))
                .bind("scan", c.scanId()).bind("rules", c.rulesetRevision()).bind("policies", c.policyRevision())
                .bind("stages", JsonColumns.write(c.stages())).bind("counts", JsonColumns.write(c.counts()))
                .bind("errors", JsonColumns.write(c.errors().stream().map(e -> abbreviate(e, MAX_ERROR)).toList()))
                .execute();
    }

    Optional<Cycle> find(long id) {
        return handle.createQuery("SELECT " + CYCLE_COLUMNS + " FROM cycle WHERE id = :id").bind("id", id)
                .map(CycleDao::cycle).findOne();
    }

    List<Cycle> listBefore(long before, int limit) {
        return handle.createQuery("SELECT " + CYCLE_COLUMNS + " FROM cycle WHERE id < :before ORDER BY id DESC"
                        + " LIMIT :limit")
                .bind("before", before).bind("limit", limit).map(CycleDao::cycle).list();
    }

    private static Cycle cycle(ResultSet rs, StatementContext ctx) throws SQLException {
        Instant started = Times.read(rs, "started_at");
        Instant finished = Times.read(rs, "finished_at");
        long scan = rs.getLong("scan_id");
        Long scanId = rs.wasNull() ? null : scan;
        return new Cycle(rs.getLong("id"), rs.getString("state"), rs.getString("actor"),
                rs.getString("trigger_kind"), started, finished,
                finished == null ? null : java.time.Duration.between(started, finished).toMillis(), scanId,
                rs.getString("ruleset_revision"), rs.getString("policy_revision"),
                JsonColumns.list(rs.getString("stages"), Cycle.Stage.class),
                read(rs.getString("counts"), new TypeReference<Map<String, Long>>() {
                }),
                JsonColumns.list(rs.getString("errors"), String.class));
    }

    // ---- reads for a cycle ----

    List<CycleStore.Tracked> tracked() {
        return handle.createQuery("SELECT " + ASSET_COLUMNS + ", a.details FROM asset a"
                        + " LEFT JOIN asset_seen s ON s.asset_id = a.id WHERE a.gone_at IS NULL ORDER BY a.id")
                .map((rs, ctx) -> new CycleStore.Tracked(AssetDao.map(rs, ctx), pullSecrets(rs.getString("details"))))
                .list();
    }

    @SuppressWarnings("unchecked")
    private static List<String> pullSecrets(String details) {
        if (details == null || !details.contains("imagePullSecrets")) {
            return List.of();
        }
        Object v = JsonColumns.objectMap(details).get("imagePullSecrets");
        if (!(v instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }

    Map<Long, Map<String, CycleStore.LastDecision>> lastDecisions() {
        Map<Long, Map<String, CycleStore.LastDecision>> out = new HashMap<>();
        handle.createQuery("SELECT asset_id, change_class, decision_id, fingerprint FROM cycle_decision")
                .map((rs, ctx) -> {
                    out.computeIfAbsent(rs.getLong("asset_id"), k -> new HashMap<>()).put(rs.getString("change_class"),
                            new CycleStore.LastDecision(rs.getLong("decision_id"), rs.getString("fingerprint")));
                    return 0;
                }).list();
        return out;
    }

    Map<Long, String> planFingerprints() {
        Map<Long, String> out = new HashMap<>();
        handle.createQuery("SELECT asset_id, fingerprint, stale FROM asset_plan")
                .map((rs, ctx) -> {
                    // a stale row is rewritten when the asset can be evaluated again
                    out.put(rs.getLong("asset_id"), rs.getBoolean("stale") ? "" : rs.getString("fingerprint"));
                    return 0;
                }).list();
        return out;
    }

    // ---- writes for a cycle ----

    void remember(List<Remembered> rows) {
        Chunks.forEach(rows, AssetDao.CHUNK, chunk -> {
            // one DELETE per change class (not one per row: a batch of DELETEs runs row by row on PostgreSQL)
            Map<String, List<Long>> byClass = new TreeMap<>();
            for (Remembered r : chunk) {
                byClass.computeIfAbsent(r.changeClass(), c -> new ArrayList<>()).add(r.assetId());
            }
            byClass.forEach((cls, assets) -> handle.createUpdate("DELETE FROM cycle_decision WHERE change_class = :class"
                    + " AND asset_id IN (<ids>)").bind("class", cls).bindList("ids", assets).execute());
            MultiRow.append(handle, "INSERT INTO cycle_decision (asset_id, change_class, decision_id, fingerprint)"
                    + " VALUES (:asset, :class, :decision, :fingerprint)", chunk, (bind, r) -> {
                        bind.accept("asset", r.assetId());
                        bind.accept("class", r.changeClass());
                        bind.accept("decision", r.decisionId());
                        bind.accept("fingerprint", r.fingerprint());
                    });
        });
    }

    /** Forgets {@code assetId:CLASS} entries. */
    void forget(List<String> keys) {
        Chunks.forEach(keys, AssetDao.CHUNK, chunk -> {
            PreparedBatch delete = handle.prepareBatch("DELETE FROM cycle_decision WHERE asset_id = :asset"
                    + " AND change_class = :class");
            for (String k : chunk) {
                int colon = k.indexOf(':');
                delete.bind("asset", Long.parseLong(k.substring(0, colon))).bind("class", k.substring(colon + 1))
                        .add();
            }
            delete.execute();
        });
    }

    void replacePlans(List<CycleStore.PlanWrite> plans, long cycleId, Instant now) {
        Chunks.forEach(plans, AssetDao.CHUNK, chunk -> {
            handle.createUpdate("DELETE FROM asset_plan WHERE asset_id IN (<ids>)")
                    .bindList("ids", chunk.stream().map(p -> p.entry().assetId()).toList()).execute();
            MultiRow.append(handle, INSERT_PLAN, chunk, (bind, p) -> {
                PlanEntry e = p.entry();
                bind.accept("asset", e.assetId());
                bind.accept("decision", e.decisionId());
                bind.accept("tag", e.proposedTag());
                bind.accept("digest", e.proposedDigest());
                bind.accept("changeType", e.changeType() == null ? null : e.changeType().name());
                bind.accept("outcome", e.outcome() == null ? null : e.outcome().name());
                bind.accept("decidedBy", e.decidedBy());
                bind.accept("reason", abbreviate(e.reason(), MAX_REASON));
                bind.accept("scope", e.scope());
                bind.accept("mode", e.mode());
                bind.accept("waitsFor", JsonColumns.write(e.waitsFor()));
                bind.accept("candidates", JsonColumns.write(e.candidates()));
                bind.accept("fingerprint", p.fingerprint());
            });
            evaluated(chunk.stream().map(p -> p.entry().assetId()).toList(), cycleId, now, true);
        });
    }

    /**
     * Renews cycle and evaluation time of unchanged plan rows; returns how many. Only their narrow plan_evaluation
     * rows are written: the asset_plan rows are not read or written. The rows must be current (not stale): a stale
     * plan row is never unchanged ({@link #planFingerprints} gives it no fingerprint), so a cycle that can evaluate
     * the asset again rewrites it ({@link #replacePlans}). Checking {@code stale} here made H2 read and decompress
     * every wide plan row of a steady cycle: a third of its decide stage in the benchmark (0.92-1.13 s against
     * 0.62-0.67 s without it).
     */
    int touch(List<Long> assetIds, long cycleId, Instant now) {
        int[] n = {0};
        Chunks.forEach(assetIds, AssetDao.CHUNK, chunk -> n[0] += evaluated(chunk, cycleId, now, false));
        return n[0];
    }

    /**
     * Sets the plan_evaluation rows of the given plan rows to cycle {@code cycleId}, evaluated at {@code now} (null:
     * keeps the evaluation time, or none for a new row: a stale mark); inserts the missing ones. {@code written}: the
     * caller has just written those asset_plan rows (so a missing row is inserted without reading the wide plan rows);
     * otherwise only ids with an asset_plan row get one. Returns how many plan rows that covers.
     */
    private int evaluated(List<Long> assetIds, long cycleId, Instant now, boolean written) {
        org.jdbi.v3.core.statement.Update update = handle.createUpdate("UPDATE plan_evaluation SET cycle_id = :cycle"
                        + (now == null ? "" : ", evaluated_at = :now") + " WHERE asset_id IN (<ids>)")
                .bind("cycle", cycleId).bindList("ids", assetIds);
        int updated = (now == null ? update : update.bind("now", Times.bind(now))).execute();
        if (updated == assetIds.size()) {
            return updated;
        }
        if (written) {
            java.util.Set<Long> have = new java.util.HashSet<>(updated == 0 ? List.of()
                    : handle.createQuery("SELECT asset_id FROM plan_evaluation WHERE asset_id IN (<ids>)")
                            .bindList("ids", assetIds).mapTo(Long.class).list());
            List<Long> missing = assetIds.stream().filter(id -> !have.contains(id)).toList();
            MultiRow.append(handle, "INSERT INTO plan_evaluation (asset_id, cycle_id, evaluated_at)"
                    + " VALUES (:asset, :cycle, :now)", missing, (bind, id) -> {
                        bind.accept("asset", id);
                        bind.accept("cycle", cycleId);
                        bind.accept("now", Times.bind(now));
                    });
            return updated + missing.size();
        }
        org.jdbi.v3.core.statement.Update insert = handle.createUpdate("INSERT INTO plan_evaluation (asset_id,"
                        + " cycle_id, evaluated_at) SELECT p.asset_id, :cycle, " + (now == null ? "NULL" : ":now")
                        + " FROM asset_plan p WHERE p.asset_id IN (<ids>)"
                        + " AND NOT EXISTS (SELECT 1 FROM plan_evaluation e WHERE e.asset_id = p.asset_id)")
                .bind("cycle", cycleId).bindList("ids", assetIds);
        return updated + (now == null ? insert : insert.bind("now", Times.bind(now))).execute();
    }

    void markStale(List<CycleStore.StaleMark> marks, long cycleId, Instant now) {
        Chunks.forEach(marks, AssetDao.CHUNK, chunk -> {
            PreparedBatch update = handle.prepareBatch("UPDATE asset_plan SET stale = TRUE,"
                    + " stale_since = COALESCE(stale_since, :now), error = :error WHERE asset_id = :asset");
            for (CycleStore.StaleMark m : chunk) {
                update.bind("now", Times.bind(now)).bind("error", abbreviate(m.error(),
                        MAX_ERROR)).bind("asset", m.assetId()).add();
            }
            int[] counts = update.execute();
            PreparedBatch insert = handle.prepareBatch("INSERT INTO asset_plan (asset_id, waits_for,"
                    + " candidates, fingerprint, stale, stale_since, error) VALUES (:asset,"
                    + " CAST('[]' AS <json>), CAST('[]' AS <json>), '', TRUE, :now, :error)");
            boolean any = false;
            for (int i = 0; i < chunk.size(); i++) {
                if (counts[i] == 0) {
                    CycleStore.StaleMark m = chunk.get(i);
                    insert.bind("asset", m.assetId()).bind("now", Times.bind(now))
                            .bind("error", abbreviate(m.error(), MAX_ERROR)).add();
                    any = true;
                }
            }
            if (any) {
                insert.execute();
            }
            // a stale mark names the cycle but is no evaluation: evaluated_at stays (null for a new row)
            evaluated(chunk.stream().map(CycleStore.StaleMark::assetId).toList(), cycleId, null, true);
        });
    }

    /** Plan rows and remembered decisions of assets that are gone. */
    void dropGone() {
        handle.createUpdate("DELETE FROM plan_evaluation WHERE asset_id IN"
                + " (SELECT id FROM asset WHERE gone_at IS NOT NULL)").execute();
        handle.createUpdate("DELETE FROM asset_plan WHERE asset_id IN (SELECT id FROM asset WHERE gone_at IS NOT NULL)")
                .execute();
        handle.createUpdate("DELETE FROM cycle_decision WHERE asset_id IN"
                + " (SELECT id FROM asset WHERE gone_at IS NOT NULL)").execute();
    }

    // ---- the plan ----

    List<PlanEntry> plan(PlanFilter f, long after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ").append(PLAN_COLUMNS)
                .append(" FROM asset_plan p JOIN asset a ON a.id = p.asset_id")
                .append(" LEFT JOIN plan_evaluation e ON e.asset_id = p.asset_id WHERE a.gone_at IS NULL")
                .append(" AND p.asset_id > :after");
        where(sql, f);
        sql.append(" ORDER BY p.asset_id LIMIT :limit");
        Query q = handle.createQuery(sql.toString()).bind("after", after).bind("limit", limit);
        bind(q, f);
        return q.map(CycleDao::entry).list();
    }

    /** Entries per outcome ({@code NONE}: nothing to propose) and {@code stale}, over the whole filtered plan. */
    Map<String, Long> planTotals(PlanFilter f) {
        StringBuilder sql = new StringBuilder("SELECT COALESCE(p.outcome, 'NONE') AS outcome, COUNT(*) AS n,"
                + " SUM(CASE WHEN p.stale THEN 1 ELSE 0 END) AS stale"
                + " FROM asset_plan p JOIN asset a ON a.id = p.asset_id WHERE a.gone_at IS NULL");
        where(sql, f);
        sql.append(" GROUP BY COALESCE(p.outcome, 'NONE')");
        Query q = handle.createQuery(sql.toString());
        bind(q, f);
        Map<String, Long> out = noOutcomes();
        long[] stale = {0};
        q.map((rs, ctx) -> {
            out.put(rs.getString("outcome"), rs.getLong("n"));
            stale[0] += rs.getLong("stale");
            return 0;
        }).list();
        out.put("stale", stale[0]);
        return out;
    }

    /**
     * Totals of the current assets' plan rows per inventory source name (the asset's origin: the configured source
     * that last reported it, or how it was registered), each with counts per outcome and stale.
     */
    Map<String, Plan.Totals> planTotalsByOrigin() {
        Map<String, Map<String, Long>> byOutcome = new TreeMap<>();
        Map<String, Long> stale = new HashMap<>();
        handle.createQuery("SELECT COALESCE(a.origin, '') AS origin, COALESCE(p.outcome, 'NONE') AS outcome,"
                        + " COUNT(*) AS n, SUM(CASE WHEN p.stale THEN 1 ELSE 0 END) AS stale"
                        + " FROM asset_plan p JOIN asset a ON a.id = p.asset_id WHERE a.gone_at IS NULL"
                        + " GROUP BY COALESCE(a.origin, ''), COALESCE(p.outcome, 'NONE')")
                .map((rs, ctx) -> {
                    String origin = rs.getString("origin");
                    byOutcome.computeIfAbsent(origin, o -> noOutcomes()).put(rs.getString("outcome"), rs.getLong("n"));
                    stale.merge(origin, rs.getLong("stale"), Long::sum);
                    return 0;
                }).list();
        Map<String, Plan.Totals> out = new LinkedHashMap<>();
        byOutcome.forEach((origin, counts) -> out.put(origin, new Plan.Totals(
                counts.values().stream().mapToLong(Long::longValue).sum(), counts, stale.getOrDefault(origin, 0L))));
        return out;
    }

    /** Every plan outcome (APPROVE, HOLD, REJECT, NONE: up to date) at 0, in that order. */
    private static Map<String, Long> noOutcomes() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String o : List.of("APPROVE", "HOLD", "REJECT", "NONE")) {
            out.put(o, 0L);
        }
        return out;
    }

    private static void where(StringBuilder sql, PlanFilter f) {
        if (f.namespace() != null) {
            sql.append(" AND a.namespace = :namespace");
        }
        if (f.source() != null) {
            // a source type (kubernetes, docker, helm, static) or a configured source's name, as run --once and
            // scan --source name them
            sql.append(" AND (a.source = :source OR a.origin = :source)");
        }
        if (f.outcome() != null) {
            sql.append(f.outcome().equals("NONE") ? " AND p.outcome IS NULL" : " AND p.outcome = :outcome");
        }
        if (f.scope() != null) {
            sql.append(" AND p.scope_name = :scope");
        }
        if (f.image() != null) {
            sql.append(" AND a.image = :image");
        }
    }

    private static void bind(Query q, PlanFilter f) {
        if (f.namespace() != null) {
            q.bind("namespace", f.namespace());
        }
        if (f.source() != null) {
            q.bind("source", f.source());
        }
        if (f.outcome() != null && !f.outcome().equals("NONE")) {
            q.bind("outcome", f.outcome());
        }
        if (f.scope() != null) {
            q.bind("scope", f.scope());
        }
        if (f.image() != null) {
            q.bind("image", f.image());
        }
    }

    private static PlanEntry entry(ResultSet rs, StatementContext ctx) throws SQLException {
        String changeType = rs.getString("change_type");
        String outcome = rs.getString("outcome");
        long decision = rs.getLong("decision_id");
        Long decisionId = rs.wasNull() ? null : decision;
        return new PlanEntry(rs.getLong("asset_id"),
                new AssetKey(rs.getString("source"), rs.getString("cluster"), rs.getString("namespace"),
                        rs.getString("kind"), rs.getString("name"), rs.getString("container")),
                rs.getString("image"), rs.getString("current_tag"), rs.getString("current_digest"),
                rs.getString("proposed_tag"), rs.getString("proposed_digest"),
                changeType == null ? null : ChangeType.valueOf(changeType),
                outcome == null ? null : Outcome.valueOf(outcome),
                rs.getString("decided_by"), rs.getString("reason"), rs.getString("scope_name"), rs.getString("mode"),
                JsonColumns.list(rs.getString("waits_for"), PlanEntry.WaitsFor.class),
                JsonColumns.list(rs.getString("candidates"), PlanEntry.PlanCandidate.class),
                decisionId, rs.getLong("cycle_id"), Times.read(rs, "evaluated_at"), rs.getBoolean("stale"),
                Times.read(rs, "stale_since"), rs.getString("error"));
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("corrupt JSON column", e);
        }
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
