package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.AssetKey;
import org.jdbi.v3.core.Handle;

/** SQL for {@code update_run} (the executor's writes) and the append-only {@code run_event}. */
final class RunDao {
    static final String ACTIVE_STATES = "('CLAIMED', 'APPLYING', 'VERIFYING', 'ROLLING_BACK')";
    static final String TERMINAL_STATES = "('SUCCEEDED', 'FAILED', 'ROLLED_BACK', 'ROLLBACK_FAILED')";

    private static final String COLUMNS = "r.id, r.asset_id, r.decision_id, a.source, a.cluster, a.namespace, a.kind,"
            + " a.name, a.container, r.from_tag, r.to_tag, r.from_digest, r.to_digest, r.from_image, r.to_image,"
            + " r.state, r.lease_owner, r.lease_expires_at, r.attempt, r.error, r.unhealthy, r.created_at,"
            + " r.started_at, d.ruleset_revision, d.policy_revision, r.waiting, d.scope_name, d.change_type";
    private static final String FROM = " FROM update_run r JOIN asset a ON a.id = r.asset_id"
            + " JOIN decision d ON d.id = r.decision_id";

    /** Queued runs, and unfinished runs whose lease expired (taken over), oldest first. */
    private static final String DUE = "SELECT " + COLUMNS + FROM
            + " WHERE r.state = 'QUEUED' OR (r.state IN " + ACTIVE_STATES + " AND r.lease_expires_at < :now)"
            + " ORDER BY r.id LIMIT :limit";

    private static final String INSERT = "INSERT INTO update_run (asset_id, decision_id, from_tag, to_tag,"
            + " from_digest, to_digest, from_image, to_image, state, active_asset_id, attempt, created_at, updated_at)"
            + " SELECT :asset, :decision, :fromTag, :toTag, :fromDigest, :toDigest, :fromImage, :toImage, 'QUEUED',"
            + " :asset, 0, :now, :now FROM asset WHERE id = :asset AND NOT EXISTS (SELECT 1 FROM update_run"
            + " WHERE decision_id = :decision OR active_asset_id = :asset)";

    private static final String EVENT = "INSERT INTO run_event (run_id, from_state, to_state, actor, detail, at)"
            + " VALUES (:run, :from, :to, :actor, CAST(:detail AS <json>), :at)";

    private final Handle handle;

    RunDao(Handle handle) {
        this.handle = handle;
    }

    /** Inserts a QUEUED run unless the decision already has one or the asset has an active one; its id or empty. */
    Optional<Long> insert(long assetId, long decisionId, String fromTag, String toTag, String fromDigest,
                          String toDigest, String fromImage, String toImage, Instant now) {
        int n = handle.createUpdate(INSERT).bind("asset", assetId).bind("decision", decisionId)
                .bind("fromTag", fromTag).bind("toTag", toTag).bind("fromDigest", fromDigest)
                .bind("toDigest", toDigest).bind("fromImage", fromImage).bind("toImage", toImage)
                .bind("now", Times.bind(now)).execute();
        if (n == 0) {
            return Optional.empty();
        }
        return handle.createQuery("SELECT id FROM update_run WHERE decision_id = :decision")
                .bind("decision", decisionId).mapTo(Long.class).findOne();
    }

    void event(long runId, String from, String to, String actor, String detailJson, Instant at) {
        handle.createUpdate(EVENT).bind("run", runId).bind("from", from).bind("to", to).bind("actor", actor)
                .bind("detail", detailJson).bind("at", Times.bind(at)).execute();
    }

    /** The due runs; on PostgreSQL the rows are locked, skipping rows another claimer holds. */
    List<RunRecord> due(Instant now, int limit, boolean postgres) {
        String sql = postgres ? DUE + " FOR UPDATE OF r SKIP LOCKED" : DUE;
        return handle.createQuery(sql).bind("now", Times.bind(now)).bind("limit", limit)
                .map((rs, ctx) -> map(rs)).list();
    }

    /** Runs someone works on now (an unexpired lease), by namespace of their asset. */
    List<String> activeNamespaces(Instant now) {
        return handle.createQuery("SELECT a.namespace FROM update_run r JOIN asset a ON a.id = r.asset_id"
                        + " WHERE r.state IN " + ACTIVE_STATES + " AND r.lease_expires_at >= :now")
                .bind("now", Times.bind(now)).mapTo(String.class).list();
    }

    /**
     * Takes the lease of run {@code id} if it is still in {@code state} and free (never leased, or expired): the
     * compare-and-set that makes a claim safe on every database.
     */
    boolean takeLease(long id, String state, String fromState, String toState, String owner, Instant until,
                      Instant now) {
        return handle.createUpdate("UPDATE update_run SET state = :to, lease_owner = :owner,"
                        + " lease_expires_at = :until, attempt = attempt + 1, waiting = NULL, updated_at = :now,"
                        + " started_at = COALESCE(started_at, :now)"
                        + " WHERE id = :id AND state = :state AND (lease_owner IS NULL OR lease_expires_at < :now)")
                .bind("to", toState).bind("owner", owner).bind("until", Times.bind(until)).bind("now", Times.bind(now))
                .bind("id", id).bind("state", state).execute() == 1;
    }

    void setWaiting(long id, String reason, Instant now) {
        handle.createUpdate("UPDATE update_run SET waiting = :w WHERE id = :id AND state = 'QUEUED'"
                        + " AND (waiting IS NULL OR waiting <> :w)")
                .bind("w", reason).bind("id", id).execute();
    }

    /** Moves a run this owner holds from one state to another; false when it is not in that state or not ours. */
    boolean move(long id, String owner, String from, String to, String error, Boolean unhealthy, Boolean superseded,
                 Instant now) {
        boolean terminal = TERMINAL_STATES.contains("'" + to + "'");
        StringBuilder sql = new StringBuilder("UPDATE update_run SET state = :to, updated_at = :now");
        if (error != null) {
            sql.append(", error = :error");
        }
        if (unhealthy != null) {
            sql.append(", unhealthy = :unhealthy");
        }
        if (superseded != null) {
            sql.append(", superseded = :superseded");
        }
        if (terminal) {
            sql.append(", active_asset_id = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = :now");
        }
        sql.append(" WHERE id = :id AND state = :from AND lease_owner = :owner");
        var u = handle.createUpdate(sql.toString()).bind("to", to).bind("now", Times.bind(now)).bind("id", id)
                .bind("from", from).bind("owner", owner);
        if (error != null) {
            u.bind("error", error.length() > 4000 ? error.substring(0, 4000) : error);
        }
        if (unhealthy != null) {
            u.bind("unhealthy", unhealthy);
        }
        if (superseded != null) {
            u.bind("superseded", superseded);
        }
        return u.execute() == 1;
    }

    int renew(List<Long> ids, String owner, Instant until) {
        if (ids.isEmpty()) {
            return 0;
        }
        return handle.createUpdate("UPDATE update_run SET lease_expires_at = :until WHERE id IN (<ids>)"
                        + " AND lease_owner = :owner AND state IN " + ACTIVE_STATES)
                .bindList("ids", ids).bind("owner", owner).bind("until", Times.bind(until)).execute();
    }

    boolean replaceDecision(long id, String owner, long decisionId, String toDigest) {
        return handle.createUpdate("UPDATE update_run SET decision_id = :d, to_digest = COALESCE(:digest, to_digest)"
                        + " WHERE id = :id AND lease_owner = :owner")
                .bind("d", decisionId).bind("digest", toDigest).bind("id", id).bind("owner", owner).execute() == 1;
    }

    Optional<RunRecord> find(long id) {
        return handle.createQuery("SELECT " + COLUMNS + FROM + " WHERE r.id = :id").bind("id", id)
                .map((rs, ctx) -> map(rs)).findOne();
    }

    List<RunRecord> forAsset(long assetId) {
        return handle.createQuery("SELECT " + COLUMNS + FROM + " WHERE r.asset_id = :a ORDER BY r.id")
                .bind("a", assetId).map((rs, ctx) -> map(rs)).list();
    }

    List<String[]> events(long runId) {
        return handle.createQuery("SELECT from_state, to_state, actor FROM run_event WHERE run_id = :r ORDER BY id")
                .bind("r", runId)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}).list();
    }

    private static RunRecord map(ResultSet rs) throws SQLException {
        return new RunRecord(rs.getLong("id"), rs.getLong("asset_id"), rs.getLong("decision_id"),
                new AssetKey(rs.getString("source"), rs.getString("cluster"), rs.getString("namespace"),
                        rs.getString("kind"), rs.getString("name"), rs.getString("container")),
                rs.getString("from_tag"), rs.getString("to_tag"), rs.getString("from_digest"),
                rs.getString("to_digest"), rs.getString("from_image"), rs.getString("to_image"),
                rs.getString("state"), rs.getString("lease_owner"), Times.read(rs, "lease_expires_at"),
                rs.getInt("attempt"), rs.getString("error"), rs.getBoolean("unhealthy"), Times.read(rs, "created_at"),
                Times.read(rs, "started_at"), rs.getString("ruleset_revision"), rs.getString("policy_revision"),
                rs.getString("waiting"), rs.getString("scope_name"), rs.getString("change_type"));
    }
}
