package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.Approval;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for the {@code approval} table (votes). */
final class ApprovalDao {
    private static final String COLUMNS = "id, asset_id, decision_id, to_tag, to_digest, approver, comment, created_at,"
            + " expires_at, revoked_at";

    private static final String FIND_VOTE = "SELECT " + COLUMNS + " FROM approval WHERE asset_id = :asset"
            + " AND to_tag = :tag AND approver = :approver AND ";

    private static final String INSERT = "INSERT INTO approval (asset_id, decision_id, to_tag, to_digest, approver,"
            + " comment, created_at, expires_at) VALUES (:asset, :decision, :tag, :digest, :approver, :comment, :now,"
            + " :expires)";

    private static final String RENEW = "UPDATE approval SET decision_id = :decision, comment = :comment,"
            + " created_at = :now, expires_at = :expires, revoked_at = NULL WHERE id = :id";

    private static final String REVOKE = "UPDATE approval SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM approval WHERE id = :id";

    private static final String LATEST_DECISION = "SELECT id, to_digest FROM decision WHERE asset_id = :asset"
            + " AND to_tag = :tag ORDER BY id DESC LIMIT 1";

    private final Handle handle;

    ApprovalDao(Handle handle) {
        this.handle = handle;
    }

    Optional<Approval> findVote(long assetId, String tag, String digest, String approver) {
        var q = handle.createQuery(FIND_VOTE + (digest == null ? "to_digest IS NULL" : "to_digest = :digest")
                        + " ORDER BY id DESC LIMIT 1")
                .bind("asset", assetId).bind("tag", tag).bind("approver", approver);
        if (digest != null) {
            q.bind("digest", digest);
        }
        return q.map(ApprovalDao::map).findOne();
    }

    long insert(long assetId, Long decisionId, String tag, String digest, String approver, String comment,
                Instant now, Instant expires) {
        return handle.createUpdate(INSERT)
                .bind("asset", assetId).bind("decision", decisionId).bind("tag", tag).bind("digest", digest)
                .bind("approver", approver).bind("comment", comment).bind("now", Times.bind(now))
                .bind("expires", Times.bind(expires))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    void renew(long id, Long decisionId, String comment, Instant now, Instant expires) {
        handle.createUpdate(RENEW).bind("id", id).bind("decision", decisionId).bind("comment", comment)
                .bind("now", Times.bind(now)).bind("expires", Times.bind(expires)).execute();
    }

    boolean revoke(long id, Instant now) {
        return handle.createUpdate(REVOKE).bind("id", id).bind("now", Times.bind(now)).execute() == 1;
    }

    Optional<Approval> findById(long id) {
        return handle.createQuery(FIND_BY_ID).bind("id", id).map(ApprovalDao::map).findOne();
    }

    /** The votes of an asset, newest first; only those for {@code tag} when it is not null. */
    List<Approval> list(long assetId, String tag, int limit) {
        String sql = "SELECT " + COLUMNS + " FROM approval WHERE asset_id = :asset"
                + (tag == null ? "" : " AND to_tag = :tag") + " ORDER BY id DESC LIMIT :limit";
        var q = handle.createQuery(sql).bind("asset", assetId).bind("limit", limit);
        if (tag != null) {
            q.bind("tag", tag);
        }
        return q.map(ApprovalDao::map).list();
    }

    /** The id and digest of the newest decision for {@code tag} on this asset. */
    Optional<Object[]> latestDecision(long assetId, String tag) {
        return handle.createQuery(LATEST_DECISION).bind("asset", assetId).bind("tag", tag)
                .map((rs, ctx) -> new Object[] {rs.getLong("id"), rs.getString("to_digest")}).findOne();
    }

    static Approval map(ResultSet rs, StatementContext ctx) throws SQLException {
        Object decision = rs.getObject("decision_id");
        return new Approval(rs.getLong("id"), rs.getLong("asset_id"),
                decision == null ? null : ((Number) decision).longValue(),
                rs.getString("to_tag"), rs.getString("to_digest"), rs.getString("approver"), rs.getString("comment"),
                Times.read(rs, "created_at"), Times.read(rs, "expires_at"), Times.read(rs, "revoked_at"));
    }
}
