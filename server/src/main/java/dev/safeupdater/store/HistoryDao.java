package dev.safeupdater.store;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.safeupdater.model.History;
import org.jdbi.v3.core.Handle;

/** Read-only SQL over update_run, pin, approval_vote and image_tag: what the policy needs to know about the past. */
final class HistoryDao {
    private static final String FAILURES = "SELECT from_tag, to_tag, to_digest, state,"
            + " COALESCE(finished_at, updated_at) AS at, error FROM update_run"
            + " WHERE asset_id = :asset AND state IN ('FAILED', 'ROLLED_BACK', 'ROLLBACK_FAILED')"
            + " AND superseded = FALSE" // a run that was no longer approved when due changed nothing (V9)
            + " AND COALESCE(finished_at, updated_at) >= :since ORDER BY id DESC LIMIT :limit";

    /** A pin in force at {@code :now}: not removed, not expired. */
    private static final String PIN_IN_FORCE = "removed_at IS NULL AND (expires_at IS NULL OR expires_at > :now)";

    /** An APPROVE vote {@code v} counting at {@code :now}: nothing (a revocation, an expiry, a renewal) replaced it. */
    private static final String VOTE_COUNTS = "v.vote = 'APPROVE'"
            + " AND NOT EXISTS (SELECT 1 FROM approval_vote n WHERE n.replaces = v.id)"
            + " AND (v.expires_at IS NULL OR v.expires_at > :now)";

    private static final String PINS = "SELECT tag, digest, reason, created_by, created_at FROM pin"
            + " WHERE asset_id = :asset AND " + PIN_IN_FORCE + " ORDER BY id";

    private static final String VOTES = "SELECT v.voter, v.cast_at FROM approval_vote v"
            + " WHERE v.asset_id = :asset AND v.to_tag = :tag AND " + VOTE_COUNTS + " AND ";

    /**
     * The assets with anything of the above: any update run (a failure or the last update), a pin in force, an
     * APPROVE vote that counts (nothing replaced it, not expired). Votes are rows of approval_vote since V15; the
     * old approval table is no longer written.
     */
    private static final String WITH_HISTORY = "SELECT asset_id FROM update_run"
            + " UNION SELECT asset_id FROM pin WHERE " + PIN_IN_FORCE
            + " UNION SELECT v.asset_id FROM approval_vote v WHERE " + VOTE_COUNTS;

    private static final String LAST_UPDATE = "SELECT from_tag, to_tag, COALESCE(finished_at, updated_at) AS at"
            + " FROM update_run WHERE asset_id = :asset AND state = 'SUCCEEDED'"
            + " ORDER BY COALESCE(finished_at, updated_at) DESC, id DESC LIMIT 1";

    private static final String RELEASE = "SELECT release_time, release_time_source, digest FROM image_tag"
            + " WHERE image = :image AND tag = :tag";

    private static final String LISTED = "SELECT COUNT(*) FROM image_tag WHERE image = :image";

    /** At most this many failures are read per asset. */
    static final int MAX_FAILURES = 50;

    private final Handle handle;

    HistoryDao(Handle handle) {
        this.handle = handle;
    }

    Set<Long> withHistory(Instant now) {
        return new HashSet<>(handle.createQuery(WITH_HISTORY).bind("now", Times.bind(now)).mapTo(Long.class).list());
    }

    List<History.Failure> failures(long assetId, Instant since) {
        return handle.createQuery(FAILURES).bind("asset", assetId).bind("since", Times.bind(since))
                .bind("limit", MAX_FAILURES)
                .map((rs, ctx) -> new History.Failure(rs.getString("from_tag"), rs.getString("to_tag"),
                        rs.getString("to_digest"), rs.getString("state"), Times.read(rs, "at"), rs.getString("error")))
                .list();
    }

    List<History.Pin> pins(long assetId, Instant now) {
        return handle.createQuery(PINS).bind("asset", assetId).bind("now", Times.bind(now))
                .map((rs, ctx) -> new History.Pin(rs.getString("tag"), rs.getString("digest"),
                        rs.getString("reason"), rs.getString("created_by"), Times.read(rs, "created_at")))
                .list();
    }

    /** Votes for exactly this tag and digest (a null digest matches votes without one). */
    List<History.Approval> votes(long assetId, String tag, String digest, Instant now) {
        var q = handle.createQuery(VOTES + (digest == null ? "v.to_digest IS NULL" : "v.to_digest = :digest")
                        + " ORDER BY v.id")
                .bind("asset", assetId).bind("tag", tag).bind("now", Times.bind(now));
        if (digest != null) {
            q.bind("digest", digest);
        }
        return q.map((rs, ctx) -> new History.Approval(rs.getString("voter"), Times.read(rs, "cast_at")))
                .list();
    }

    Optional<History.LastUpdate> lastUpdate(long assetId) {
        return handle.createQuery(LAST_UPDATE).bind("asset", assetId)
                .map((rs, ctx) -> new History.LastUpdate(rs.getString("from_tag"), rs.getString("to_tag"),
                        Times.read(rs, "at")))
                .findOne();
    }

    Optional<HistoryStore.Release> release(String image, String tag) {
        return handle.createQuery(RELEASE).bind("image", image).bind("tag", tag)
                .map((rs, ctx) -> new HistoryStore.Release(Times.read(rs, "release_time"),
                        rs.getString("release_time_source"), rs.getString("digest")))
                .findOne();
    }

    int listed(String image) {
        return handle.createQuery(LISTED).bind("image", image).mapTo(Integer.class).one();
    }
}
