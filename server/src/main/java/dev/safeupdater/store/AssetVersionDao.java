package dev.safeupdater.store;

import java.time.Instant;
import java.util.List;

import dev.safeupdater.model.AssetVersion;
import org.jdbi.v3.core.Handle;

/** SQL for the append-only {@code asset_version} table. */
final class AssetVersionDao {
    private static final String INSERT = "INSERT INTO asset_version (asset_id, tag, digest, observed_at, scan_id,"
            + " observed_by) VALUES (:assetId, :tag, :digest, :at, :scanId, :by)";

    private final Handle handle;

    AssetVersionDao(Handle handle) {
        this.handle = handle;
    }

    /** A version to append. */
    record NewVersion(long assetId, String tag, String digest) {
    }

    /** Appends {@code rows} as multi-row INSERTs (a JDBC batch runs row by row on H2; a first scan has thousands). */
    void insert(List<NewVersion> rows, Instant at, Long scanId, String observedBy) {
        Object when = Times.bind(at);
        MultiRow.append(handle, INSERT, rows, (bind, v) -> {
            bind.accept("assetId", v.assetId());
            bind.accept("tag", v.tag());
            bind.accept("digest", v.digest());
            bind.accept("at", when);
            bind.accept("scanId", scanId);
            bind.accept("by", observedBy);
        });
    }

    /** The versions of one asset, newest first, at most {@code limit}. */
    List<AssetVersion> list(long assetId, int limit) {
        return handle.createQuery("SELECT id, asset_id, tag, digest, observed_at, scan_id, observed_by FROM asset_version"
                        + " WHERE asset_id = :assetId ORDER BY id DESC LIMIT :limit")
                .bind("assetId", assetId).bind("limit", limit)
                .map((rs, ctx) -> new AssetVersion(rs.getLong("id"), rs.getLong("asset_id"), rs.getString("tag"),
                        rs.getString("digest"), Times.read(rs, "observed_at"),
                        rs.getObject("scan_id") == null ? null : rs.getLong("scan_id"), rs.getString("observed_by")))
                .list();
    }
}
