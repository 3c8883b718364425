package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for the append-only {@code decision} table: insert and read, never update or delete. */
final class DecisionDao {
    private static final String COLUMNS = "id, asset_id, from_tag, to_tag, from_digest, to_digest, change_type, outcome,"
            + " reasons, fired_rules, decided_by, ruleset_revision, policy_revision, scope_name, mode, inputs, actor,"
            + " decided_at";

    private static final String INSERT = "INSERT INTO decision (asset_id, from_tag, to_tag, from_digest, to_digest,"
            + " change_type, outcome, reasons, fired_rules, decided_by, ruleset_revision, policy_revision, scope_name,"
            + " mode, inputs, actor, decided_at) VALUES (:assetId, :fromTag, :toTag, :fromDigest, :toDigest,"
            + " :changeType, :outcome, CAST(:reasons AS <json>), CAST(:firedRules AS <json>), :decidedBy,"
            + " :rulesetRevision, :policyRevision, :scope, :mode, CAST(:inputs AS <json>), :actor, :decidedAt)";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM decision WHERE id = :id";

    private final Handle handle;

    DecisionDao(Handle handle) {
        this.handle = handle;
    }

    long insert(Decision d) {
        return handle.createUpdate(INSERT)
                .bind("assetId", d.assetId())
                .bind("fromTag", d.fromTag())
                .bind("toTag", d.toTag())
                .bind("fromDigest", d.fromDigest())
                .bind("toDigest", d.toDigest())
                .bind("changeType", d.changeType().name())
                .bind("outcome", d.outcome().name())
                .bind("reasons", JsonColumns.write(d.reasons()))
                .bind("firedRules", JsonColumns.write(d.firedRules()))
                .bind("decidedBy", d.decidedBy())
                .bind("rulesetRevision", d.rulesetRevision())
                .bind("policyRevision", d.policyRevision())
                .bind("scope", d.scope())
                .bind("mode", d.mode())
                .bind("inputs", JsonColumns.write(d.inputs()))
                .bind("actor", d.actor())
                .bind("decidedAt", Times.bind(d.decidedAt()))
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one();
    }

    /** Appends {@code rows} in JDBC batches; returns their ids in the same order. */
    List<Long> insertAll(List<Decision> rows) {
        List<Long> ids = new java.util.ArrayList<>(rows.size());
        for (int from = 0; from < rows.size(); from += AssetDao.CHUNK) {
            org.jdbi.v3.core.statement.PreparedBatch batch = handle.prepareBatch(INSERT);
            for (Decision d : rows.subList(from, Math.min(rows.size(), from + AssetDao.CHUNK))) {
                bind(batch, d).add();
            }
            ids.addAll(batch.executePreparedBatch("id").mapTo(Long.class).list());
        }
        return ids;
    }

    List<Decision> findByIds(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return handle.createQuery("SELECT " + COLUMNS + " FROM decision WHERE id IN (<ids>)").bindList("ids", ids)
                .map(DecisionDao::map).list();
    }

    private static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bind(S s, Decision d) {
        return s.bind("assetId", d.assetId())
                .bind("fromTag", d.fromTag())
                .bind("toTag", d.toTag())
                .bind("fromDigest", d.fromDigest())
                .bind("toDigest", d.toDigest())
                .bind("changeType", d.changeType().name())
                .bind("outcome", d.outcome().name())
                .bind("reasons", JsonColumns.write(d.reasons()))
                .bind("firedRules", JsonColumns.write(d.firedRules()))
                .bind("decidedBy", d.decidedBy())
                .bind("rulesetRevision", d.rulesetRevision())
                .bind("policyRevision", d.policyRevision())
                .bind("scope", d.scope())
                .bind("mode", d.mode())
                .bind("inputs", JsonColumns.write(d.inputs()))
                .bind("actor", d.actor())
                .bind("decidedAt", Times.bind(d.decidedAt()));
    }

    Optional<Decision> findById(long id) {
        return handle.createQuery(FIND_BY_ID).bind("id", id).map(DecisionDao::map).findOne();
    }

    /** Newest first: rows with id below {@code beforeId} that pass the filter. */
    List<Decision> list(DecisionFilter f, long beforeId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM decision WHERE id < :before");
        if (f.assetId() != null) {
            sql.append(" AND asset_id = :asset");
        }
        if (f.outcome() != null) {
            sql.append(" AND outcome = :outcome");
        }
        if (f.from() != null) {
            sql.append(" AND decided_at >= :from");
        }
        if (f.to() != null) {
            sql.append(" AND decided_at < :to");
        }
        if (f.mode() != null) {
            sql.append(" AND mode = :mode");
        }
        if (f.scope() != null) {
            sql.append(" AND scope_name = :scope");
        }
        sql.append(" ORDER BY id DESC LIMIT :limit");
        Query q = handle.createQuery(sql.toString()).bind("before", beforeId).bind("limit", limit);
        if (f.assetId() != null) {
            q.bind("asset", f.assetId().longValue());
        }
        if (f.outcome() != null) {
            q.bind("outcome", f.outcome().name());
        }
        if (f.from() != null) {
            q.bind("from", Times.bind(f.from()));
        }
        if (f.to() != null) {
            q.bind("to", Times.bind(f.to()));
        }
        if (f.mode() != null) {
            q.bind("mode", f.mode());
        }
        if (f.scope() != null) {
            q.bind("scope", f.scope());
        }
        return q.map(DecisionDao::map).list();
    }

    static Decision map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Decision(rs.getLong("id"),
                rs.getLong("asset_id"),
                rs.getString("from_tag"),
                rs.getString("to_tag"),
                rs.getString("from_digest"),
                rs.getString("to_digest"),
                ChangeType.valueOf(rs.getString("change_type")),
                Outcome.valueOf(rs.getString("outcome")),
                JsonColumns.list(rs.getString("reasons"), String.class),
                JsonColumns.list(rs.getString("fired_rules"), FiredRule.class),
                rs.getString("decided_by"),
                rs.getString("ruleset_revision"),
                rs.getString("policy_revision"),
                rs.getString("scope_name"),
                rs.getString("mode"),
                JsonColumns.objectMap(rs.getString("inputs")),
                rs.getString("actor"),
                Times.read(rs, "decided_at"));
    }
}
