package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import org.jdbi.v3.core.Handle;
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
        return bind(handle.createUpdate(INSERT), d)
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one();
    }

    /**
     * Appends {@code rows}; returns their ids in the same order. Many rows go in one multi-row INSERT (a JDBC batch
     * that returns generated keys runs row by row on PostgreSQL: ten times slower for a cycle's thousands).
     */
    List<Long> insertAll(List<Decision> rows) {
        return MultiRow.insert(handle, INSERT, rows, DecisionDao::bindTo, "decisions");
    }

    List<Decision> findByIds(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return handle.createQuery("SELECT " + COLUMNS + " FROM decision WHERE id IN (<ids>)").bindList("ids", ids)
                .map(DecisionDao::map).list();
    }

    private static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bind(S s, Decision d) {
        bindTo((name, value) -> s.bind(name, value), d);
        return s;
    }

    private static void bindTo(java.util.function.BiConsumer<String, Object> s, Decision d) {
        s.accept("assetId", d.assetId());
        s.accept("fromTag", d.fromTag());
        s.accept("toTag", d.toTag());
        s.accept("fromDigest", d.fromDigest());
        s.accept("toDigest", d.toDigest());
        s.accept("changeType", d.changeType().name());
        s.accept("outcome", d.outcome().name());
        s.accept("reasons", JsonColumns.write(d.reasons()));
        s.accept("firedRules", JsonColumns.write(d.firedRules()));
        s.accept("decidedBy", d.decidedBy());
        s.accept("rulesetRevision", d.rulesetRevision());
        s.accept("policyRevision", d.policyRevision());
        s.accept("scope", d.scope());
        s.accept("mode", d.mode());
        s.accept("inputs", JsonColumns.write(d.inputs()));
        s.accept("actor", d.actor());
        s.accept("decidedAt", Times.bind(d.decidedAt()));
    }

    Optional<Decision> latestFor(long assetId, String tag) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM decision WHERE asset_id = :asset AND to_tag = :tag"
                + " ORDER BY id DESC LIMIT 1").bind("asset", assetId).bind("tag", tag).map(DecisionDao::map).findOne();
    }

    Optional<Decision> findById(long id) {
        return handle.createQuery(FIND_BY_ID).bind("id", id).map(DecisionDao::map).findOne();
    }

    private static final String ORDER = " ORDER BY d.decided_at DESC, d.id DESC";

    /** Newest first (by decision time, then id): rows before {@code before} that pass the filter. */
    List<Decision> list(DecisionFilter f, Keyset.At before, int limit, boolean postgres) {
        Where w = where(f, postgres).before("d.decided_at", "d.id", before);
        return w.bind(handle.createQuery(select(f) + w.sql() + ORDER + " LIMIT :limit"))
                .bind("limit", limit).map(DecisionDao::map).list();
    }

    /** Every decision passing the filter, newest first, handed to {@code sink} one at a time (rows are not held). */
    void forEach(DecisionFilter f, boolean postgres, Consumer<Decision> sink) {
        Where w = where(f, postgres);
        Streams.each(w.bind(handle.createQuery(select(f) + w.sql() + ORDER)), DecisionDao::map, sink);
    }

    private static String select(DecisionFilter f) {
        String columns = "d." + COLUMNS.replace(", ", ", d.");
        return "SELECT " + columns + " FROM decision d" + (f.needsAsset() ? " JOIN asset a ON a.id = d.asset_id" : "");
    }

    /**
     * The filter as SQL. A fired rule is found in the JSON list {@code fired_rules}: with JSONB containment on
     * PostgreSQL, as the text Jackson wrote ({@code "name":"…"}) on H2, where the column is text.
     */
    private static Where where(DecisionFilter f, boolean postgres) {
        Where w = new Where()
                .eq("d.asset_id", "asset", f.assetId())
                .eq("d.outcome", "outcome", f.outcome() == null ? null : f.outcome().name())
                .when(f.from(), "d.decided_at >= :from", "from")
                .when(f.to(), "d.decided_at < :to", "to")
                .eq("d.mode", "mode", f.mode())
                .eq("d.scope_name", "scope", f.scope())
                .eq("d.actor", "actor", f.actor())
                .eq("a.namespace", "namespace", f.namespace())
                .eq("a.image", "image", f.image())
                .eq("a.source", "source", f.source());
        if (f.rule() != null) {
            String one = JsonColumns.write(java.util.Map.of("name", f.rule()));
            if (postgres) {
                w.when("[" + one + "]", "d.fired_rules @> CAST(:rule AS JSONB)", "rule");
            } else {
                String inner = one.substring(1, one.length() - 1); // "name":"…"
                w.when(Like.contains(inner), "d.fired_rules LIKE :rule ESCAPE '!'", "rule");
            }
        }
        return w;
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
