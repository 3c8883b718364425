package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.Pin;
import org.jdbi.v3.core.Handle;

/** SQL for {@code pin}: add, remove (a removal time, never a delete), read. */
final class PinDao {
    private static final String COLUMNS = "id, asset_id, tag, digest, reason, run_id, created_by, created_at,"
            + " expires_at, removed_at";

    private final Handle handle;

    PinDao(Handle handle) {
        this.handle = handle;
    }

    long insert(long assetId, String tag, String digest, String reason, Long runId, String createdBy, Instant now,
                Instant expiresAt) {
        return handle.createUpdate("INSERT INTO pin (asset_id, tag, digest, reason, run_id, created_by, created_at,"
                        + " expires_at) VALUES (:a, :tag, :digest, :reason, :run, :by, :now, :exp)")
                .bind("a", assetId).bind("tag", tag).bind("digest", digest)
                .bind("reason", reason.length() > 2000 ? reason.substring(0, 2000) : reason).bind("run", runId)
                .bind("by", createdBy).bind("now", Times.bind(now)).bind("exp", Times.bind(expiresAt))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    boolean remove(long id, Instant now) {
        return handle.createUpdate("UPDATE pin SET removed_at = :now WHERE id = :id AND removed_at IS NULL")
                .bind("now", Times.bind(now)).bind("id", id).execute() == 1;
    }

    Optional<Pin> find(long id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM pin WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> map(rs)).findOne();
    }

    /** Pins in force at {@code now} (optionally of one asset), newest first. */
    List<Pin> active(Long assetId, Instant now, int limit) {
        var q = handle.createQuery("SELECT " + COLUMNS + " FROM pin WHERE removed_at IS NULL"
                        + " AND (expires_at IS NULL OR expires_at > :now)"
                        + (assetId == null ? "" : " AND asset_id = :a") + " ORDER BY id DESC LIMIT :limit")
                .bind("now", Times.bind(now)).bind("limit", limit);
        if (assetId != null) {
            q.bind("a", assetId);
        }
        return q.map((rs, ctx) -> map(rs)).list();
    }

    private static Pin map(ResultSet rs) throws SQLException {
        long run = rs.getLong("run_id");
        Long runId = rs.wasNull() ? null : run; // wasNull speaks of the column read last: ask it at once
        return new Pin(rs.getLong("id"), rs.getLong("asset_id"), rs.getString("tag"), rs.getString("digest"),
                rs.getString("reason"), runId, rs.getString("created_by"),
                Times.read(rs, "created_at"), Times.read(rs, "expires_at"), Times.read(rs, "removed_at"));
    }
}
