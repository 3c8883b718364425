package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.Approval;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * SQL for the append-only {@code approval_vote} table: votes are inserted, never updated or deleted. A vote's
 * revocation or expiry is the row that replaces it.
 */
final class ApprovalDao {
    /** A vote with what happened to it since: {@code n} is the row that replaced it, if any. */
    private static final String SELECT = "SELECT v.id, v.asset_id, v.decision_id, v.to_tag, v.to_digest, v.voter,"
            + " v.comment, v.cast_at, v.expires_at, v.vote, v.replaces, n.vote AS next_vote, n.cast_at AS next_at"
            + " FROM approval_vote v LEFT JOIN approval_vote n ON n.replaces = v.id";

    /** Votes (not revocations or expiries) not replaced by a newer vote of the same person. */
    private static final String SHOWN = " v.vote IN ('APPROVE', 'REJECT')"
            + " AND (n.id IS NULL OR n.vote IN ('REVOKE', 'EXPIRE'))";

    private static final String INSERT = "INSERT INTO approval_vote (asset_id, decision_id, to_tag, to_digest, voter,"
            + " vote, comment, cast_at, expires_at, replaces) VALUES (:asset, :decision, :tag, :digest, :voter, :vote,"
            + " :comment, :now, :expires, :replaces)";

    private static final String LATEST_DECISION = "SELECT id, to_digest FROM decision WHERE asset_id = :asset"
            + " AND to_tag = :tag ORDER BY id DESC LIMIT 1";

    private static final String PIN = "INSERT INTO pin (asset_id, tag, digest, reason, created_by, created_at)"
            + " VALUES (:asset, :tag, :digest, :reason, :by, :at)";

    private final Handle handle;

    ApprovalDao(Handle handle) {
        this.handle = handle;
    }

    private static String digestIs(String digest) {
        return digest == null ? "v.to_digest IS NULL" : "v.to_digest = :digest";
    }

    /** The person's vote for this candidate that nothing replaced yet (it may be revoked or expired: then empty). */
    Optional<Approval> liveVote(long assetId, String tag, String digest, String voter) {
        var q = handle.createQuery(SELECT + " WHERE v.asset_id = :asset AND v.to_tag = :tag AND v.voter = :voter AND "
                        + digestIs(digest) + " AND v.vote IN ('APPROVE', 'REJECT') AND n.id IS NULL"
                        + " ORDER BY v.id DESC LIMIT 1")
                .bind("asset", assetId).bind("tag", tag).bind("voter", voter);
        if (digest != null) {
            q.bind("digest", digest);
        }
        return q.map(ApprovalDao::map).findOne();
    }

    long insert(long assetId, Long decisionId, String tag, String digest, String voter, String vote, String comment,
                Instant now, Instant expires, Long replaces) {
        return handle.createUpdate(INSERT)
                .bind("asset", assetId).bind("decision", decisionId).bind("tag", tag).bind("digest", digest)
                .bind("voter", voter).bind("vote", vote).bind("comment", comment).bind("now", Times.bind(now))
                .bind("expires", Times.bind(expires)).bind("replaces", replaces)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    Optional<Approval> findById(long id) {
        return handle.createQuery(SELECT + " WHERE v.id = :id AND v.vote IN ('APPROVE', 'REJECT')").bind("id", id)
                .map(ApprovalDao::map).findOne();
    }

    /** The votes of an asset, newest first (renewed ones only in their newest form); only for {@code tag} if given. */
    List<Approval> list(long assetId, String tag, int limit) {
        String sql = SELECT + " WHERE v.asset_id = :asset" + (tag == null ? "" : " AND v.to_tag = :tag") + " AND"
                + SHOWN + " ORDER BY v.id DESC LIMIT :limit";
        var q = handle.createQuery(sql).bind("asset", assetId).bind("limit", limit);
        if (tag != null) {
            q.bind("tag", tag);
        }
        return q.map(ApprovalDao::map).list();
    }

    /** Every APPROVE vote nothing replaced: the ones that may count (or expire). */
    List<Approval> liveApprovals() {
        return handle.createQuery(SELECT + " WHERE v.vote = 'APPROVE' AND n.id IS NULL ORDER BY v.id")
                .map(ApprovalDao::map).list();
    }

    /**
     * The newest decision of every current asset when it is HOLD in an enforcing scope, with the first decision
     * that held the same candidate: what may be waiting for votes, oldest first.
     */
    List<ApprovalStore.Held> held() {
        return handle.createQuery("SELECT d.id, d.asset_id, d.from_tag, d.to_tag, d.to_digest, d.change_type,"
                        + " d.scope_name, a.source, a.cluster, a.namespace, a.kind, a.name, a.container, a.image,"
                        + " (SELECT MIN(h.decided_at) FROM decision h WHERE h.asset_id = d.asset_id"
                        + " AND h.to_tag = d.to_tag AND h.outcome = 'HOLD' AND (h.to_digest = d.to_digest"
                        + " OR (h.to_digest IS NULL AND d.to_digest IS NULL))) AS held_since"
                        + " FROM decision d JOIN asset a ON a.id = d.asset_id"
                        + " WHERE d.outcome = 'HOLD' AND d.mode = 'ENFORCE' AND a.gone_at IS NULL"
                        + " AND d.id = (SELECT MAX(x.id) FROM decision x WHERE x.asset_id = d.asset_id)"
                        + " ORDER BY held_since, d.id")
                .map((rs, ctx) -> new ApprovalStore.Held(rs.getLong("id"), rs.getLong("asset_id"),
                        new dev.safeupdater.model.AssetKey(rs.getString("source"), rs.getString("cluster"),
                                rs.getString("namespace"), rs.getString("kind"), rs.getString("name"),
                                rs.getString("container")),
                        rs.getString("image"), rs.getString("from_tag"), rs.getString("to_tag"),
                        rs.getString("to_digest"), dev.safeupdater.model.ChangeType.valueOf(rs.getString("change_type")),
                        rs.getString("scope_name"), Times.read(rs, "held_since")))
                .list();
    }

    /** The id and digest of the newest decision for {@code tag} on this asset. */
    Optional<Object[]> latestDecision(long assetId, String tag) {
        return handle.createQuery(LATEST_DECISION).bind("asset", assetId).bind("tag", tag)
                .map((rs, ctx) -> new Object[] {rs.getLong("id"), rs.getString("to_digest")}).findOne();
    }

    /** Pins the version for the asset: the policy rejects it from now on. */
    void pin(long assetId, String tag, String digest, String reason, String by, Instant at) {
        handle.createUpdate(PIN).bind("asset", assetId).bind("tag", tag).bind("digest", digest)
                .bind("reason", reason.length() > 2000 ? reason.substring(0, 2000) : reason).bind("by", by)
                .bind("at", Times.bind(at)).execute();
    }

    static Approval map(ResultSet rs, StatementContext ctx) throws SQLException {
        Object decision = rs.getObject("decision_id");
        Object replaces = rs.getObject("replaces");
        String next = rs.getString("next_vote");
        Instant nextAt = Times.read(rs, "next_at");
        return new Approval(rs.getLong("id"), rs.getLong("asset_id"),
                decision == null ? null : ((Number) decision).longValue(),
                rs.getString("to_tag"), rs.getString("to_digest"), rs.getString("voter"), rs.getString("comment"),
                Times.read(rs, "cast_at"), Times.read(rs, "expires_at"), "REVOKE".equals(next) ? nextAt : null,
                rs.getString("vote"), replaces == null ? null : ((Number) replaces).longValue(),
                "EXPIRE".equals(next) ? nextAt : null);
    }
}
