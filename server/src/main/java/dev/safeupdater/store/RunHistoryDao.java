package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.RunDetail;
import dev.safeupdater.model.RunEvent;
import dev.safeupdater.model.RunFilter;
import dev.safeupdater.model.RunSummary;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/** Read-only SQL over update_run (with its asset and decision), run_event and the update_history view. */
final class RunHistoryDao {
    private static final String SELECT = "SELECT r.id, r.asset_id, a.source, a.cluster, a.namespace, a.kind, a.name,"
            + " a.container, a.image, r.from_tag, r.to_tag, r.from_digest, r.to_digest, d.change_type, r.decision_id,"
            + " d.outcome, d.scope_name, r.state, r.error, r.created_at, r.started_at, r.finished_at"
            + " FROM update_run r JOIN asset a ON a.id = r.asset_id JOIN decision d ON d.id = r.decision_id";

    private static final String HISTORY = "SELECT fired_rules, ruleset_revision, policy_revision, approvers, health,"
            + " rollback_reason FROM update_history WHERE run_id = :id";

    private static final String EVENTS = "SELECT id, run_id, from_state, to_state, actor, detail, at FROM run_event"
            + " WHERE run_id = :id ORDER BY id";

    private final Handle handle;

    RunHistoryDao(Handle handle) {
        this.handle = handle;
    }

    private static Where where(RunFilter f) {
        return new Where()
                .eq("r.asset_id", "asset", f.assetId())
                .eq("a.namespace", "namespace", f.namespace())
                .eq("a.image", "image", f.image())
                .eq("a.source", "source", f.source())
                .eq("d.scope_name", "scope", f.scope())
                .eq("r.state", "state", f.state())
                .when(f.from(), "r.created_at >= :from", "from")
                .when(f.to(), "r.created_at < :to", "to");
    }

    private static final String ORDER = " ORDER BY r.created_at DESC, r.id DESC";

    /** Newest first (by creation time, then id): runs before {@code before} that pass the filter. */
    List<RunSummary> list(RunFilter f, Keyset.At before, int limit) {
        Where w = where(f).before("r.created_at", "r.id", before);
        return w.bind(handle.createQuery(SELECT + w.sql() + ORDER + " LIMIT :limit"))
                .bind("limit", limit).map(RunHistoryDao::map).list();
    }

    /** Every run that passes the filter, newest first, handed to {@code sink} one at a time (rows are not held). */
    void forEach(RunFilter f, Consumer<RunSummary> sink) {
        Where w = where(f);
        Query q = w.bind(handle.createQuery(SELECT + w.sql() + ORDER));
        Streams.each(q, RunHistoryDao::map, sink);
    }

    Optional<RunSummary> find(long id) {
        return handle.createQuery(SELECT + " WHERE r.id = :id").bind("id", id).map(RunHistoryDao::map).findOne();
    }

    Optional<RunDetail> detail(long id) {
        return find(id).map(run -> handle.createQuery(HISTORY).bind("id", id).map((rs, ctx) -> {
            String approvers = rs.getString("approvers");
            return new RunDetail(run, JsonColumns.list(rs.getString("fired_rules"), FiredRule.class),
                    rs.getString("ruleset_revision"), rs.getString("policy_revision"),
                    approvers == null ? List.of() : Arrays.asList(approvers.split(", ")),
                    JsonColumns.objectMap(rs.getString("health")),
                    JsonColumns.objectMap(rs.getString("rollback_reason")), events(id));
        }).one());
    }

    List<RunEvent> events(long runId) {
        return handle.createQuery(EVENTS).bind("id", runId)
                .map((rs, ctx) -> new RunEvent(rs.getLong("id"), rs.getLong("run_id"), rs.getString("from_state"),
                        rs.getString("to_state"), rs.getString("actor"), JsonColumns.objectMap(rs.getString("detail")),
                        Times.read(rs, "at")))
                .list();
    }

    static RunSummary map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        return new RunSummary(rs.getLong("id"), rs.getLong("asset_id"),
                new AssetKey(rs.getString("source"), rs.getString("cluster"), rs.getString("namespace"),
                        rs.getString("kind"), rs.getString("name"), rs.getString("container")),
                rs.getString("image"), rs.getString("from_tag"), rs.getString("to_tag"), rs.getString("from_digest"),
                rs.getString("to_digest"), ChangeType.valueOf(rs.getString("change_type")), rs.getLong("decision_id"),
                Outcome.valueOf(rs.getString("outcome")), rs.getString("scope_name"), rs.getString("state"),
                rs.getString("error"), Times.read(rs, "created_at"), Times.read(rs, "started_at"),
                Times.read(rs, "finished_at"), RunSummary.rolledBack(rs.getString("state")));
    }
}
