package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * SQL for the {@code asset} table and its narrow {@code asset_seen} (when each asset was last seen: renewed on every
 * scan, kept out of the wide row since V19). Every writer of an asset writes its asset_seen row in the same
 * transaction. Runs inside the caller's handle (and transaction).
 */
final class AssetDao {
    /** Rows per JDBC batch and ids per {@code IN (...)} list. */
    static final int CHUNK = 500;

    /** The asset columns {@link #map} reads, over {@link #FROM} ({@code a}: asset, {@code s}: asset_seen). */
    private static final String COLUMNS = "a.id, a.source, a.cluster, a.namespace, a.kind, a.name, a.container,"
            + " a.image, a.current_tag, a.current_digest, a.labels, a.annotations, a.first_seen, s.last_seen, a.gone_at";

    private static final String FROM = " FROM asset a LEFT JOIN asset_seen s ON s.asset_id = a.id";

    // no join: FOR UPDATE locks the asset row only (PostgreSQL refuses it on the nullable side of an outer join)
    private static final String FIND_BY_KEY_FOR_UPDATE = "SELECT " + COLUMNS.replace("s.last_seen",
            "(SELECT s.last_seen FROM asset_seen s WHERE s.asset_id = a.id) AS last_seen") + " FROM asset a"
            + " WHERE a.source = :source AND a.cluster = :cluster AND a.namespace = :namespace AND a.kind = :kind"
            + " AND a.name = :name AND a.container = :container FOR UPDATE";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + FROM + " WHERE a.id = :id";

    private static final String FIND_DETAIL = "SELECT origin, details FROM asset WHERE id = :id";

    private static final String INSERT = "INSERT INTO asset (source, cluster, namespace, kind, name, container, image,"
            + " current_tag, current_digest, labels, annotations, first_seen, updated_at)"
            + " VALUES (:source, :cluster, :namespace, :kind, :name, :container, :image, :tag, :digest,"
            + " CAST(:labels AS <json>), CAST(:annotations AS <json>), :now, :now)";

    // fingerprint is cleared: what the API wrote is not what a scan saw, so the next scan must compare and rewrite
    private static final String UPDATE = "UPDATE asset SET image = :image, current_tag = :tag, current_digest = :digest,"
            + " labels = CAST(:labels AS <json>), annotations = CAST(:annotations AS <json>),"
            + " gone_at = NULL, fingerprint = NULL, updated_at = :now WHERE id = :id";

    private static final String SLIM_COLUMNS = "id, source, cluster, namespace, kind, name, container, current_tag,"
            + " current_digest, fingerprint, origin, gone_at";

    private static final String INSERT_SCANNED = "INSERT INTO asset (source, cluster, namespace, kind, name, container,"
            + " image, current_tag, current_digest, labels, annotations, details, fingerprint, origin, first_seen,"
            + " updated_at) VALUES (:source, :cluster, :namespace, :kind, :name, :container, :image, :tag,"
            + " :digest, CAST(:labels AS <json>), CAST(:annotations AS <json>), CAST(:details AS <json>), :fingerprint,"
            + " :origin, :now, :now)";

    private static final String UPDATE_SCANNED = "UPDATE asset SET image = :image, current_tag = :tag,"
            + " current_digest = :digest, labels = CAST(:labels AS <json>), annotations = CAST(:annotations AS <json>),"
            + " details = CAST(:details AS <json>), fingerprint = :fingerprint, origin = :origin,"
            + " gone_at = NULL, updated_at = :now WHERE id = :id";

    private final Handle handle;

    AssetDao(Handle handle) {
        this.handle = handle;
    }

    /** What a sync needs to know about a stored asset to decide whether to touch, rewrite or retire it. */
    record Slim(long id, AssetKey key, String tag, String digest, String fingerprint, String origin, Instant goneAt) {
    }

    Optional<Asset> findByKeyForUpdate(AssetKey key) {
        return handle.createQuery(FIND_BY_KEY_FOR_UPDATE)
                .bindMethods(key)
                .map(AssetDao::map)
                .findOne();
    }

    Optional<Asset> findById(long id) {
        return handle.createQuery(FIND_BY_ID).bind("id", id).map(AssetDao::map).findOne();
    }

    /** The origin and details of asset {@code id}, when it exists. */
    Optional<Map.Entry<String, Map<String, Object>>> findOriginAndDetails(long id) {
        return handle.createQuery(FIND_DETAIL).bind("id", id)
                .map((rs, ctx) -> {
                    String details = rs.getString("details");
                    Map<String, Object> map = details == null ? Map.of() : JsonColumns.objectMap(details);
                    return Map.entry(rs.getString("origin") == null ? "" : rs.getString("origin"), map);
                })
                .findOne();
    }

    long insert(AssetKey key, String image, String tag, String digest, Map<String, String> labels,
                Map<String, String> annotations, Instant now) {
        long id = handle.createUpdate(INSERT)
                .bindMethods(key)
                .bind("image", image)
                .bind("tag", tag)
                .bind("digest", digest)
                .bind("labels", JsonColumns.write(labels))
                .bind("annotations", JsonColumns.write(annotations))
                .bind("now", Times.bind(now))
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one();
        touch(List.of(id), now);
        return id;
    }

    void update(long id, String image, String tag, String digest, Map<String, String> labels,
                Map<String, String> annotations, Instant now) {
        handle.createUpdate(UPDATE)
                .bind("id", id)
                .bind("image", image)
                .bind("tag", tag)
                .bind("digest", digest)
                .bind("labels", JsonColumns.write(labels))
                .bind("annotations", JsonColumns.write(annotations))
                .bind("now", Times.bind(now))
                .execute();
        touch(List.of(id), now);
    }

    /** Assets with id above {@code afterId} that pass {@code f}, in id order. */
    List<Asset> listAfter(AssetFilter f, long afterId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(FROM).append(" WHERE a.id > :after");
        if (f.source() != null) {
            sql.append(" AND a.source = :source");
        }
        if (f.cluster() != null) {
            sql.append(" AND a.cluster = :cluster");
        }
        if (f.namespace() != null) {
            sql.append(" AND a.namespace = :namespace");
        }
        if (f.kind() != null) {
            sql.append(" AND a.kind = :kind");
        }
        if (f.image() != null) {
            sql.append(" AND a.image = :image");
        }
        if (f.q() != null) {
            sql.append(" AND (LOWER(a.name) LIKE :q ESCAPE '!' OR LOWER(a.namespace) LIKE :q ESCAPE '!'"
                    + " OR LOWER(a.image) LIKE :q ESCAPE '!' OR LOWER(a.container) LIKE :q ESCAPE '!')");
        }
        if (f.gone() != null) {
            sql.append(f.gone() ? " AND a.gone_at IS NOT NULL" : " AND a.gone_at IS NULL");
        }
        sql.append(" ORDER BY a.id LIMIT :limit");
        Query q = handle.createQuery(sql.toString()).bind("after", afterId).bind("limit", limit);
        if (f.source() != null) {
            q.bind("source", f.source());
        }
        if (f.cluster() != null) {
            q.bind("cluster", f.cluster());
        }
        if (f.namespace() != null) {
            q.bind("namespace", f.namespace());
        }
        if (f.kind() != null) {
            q.bind("kind", f.kind());
        }
        if (f.image() != null) {
            q.bind("image", f.image());
        }
        if (f.q() != null) {
            q.bind("q", Like.contains(f.q().toLowerCase(Locale.ROOT)));
        }
        return q.map(AssetDao::map).list();
    }

    /** The stored assets a sync of {@code origin} compares with: its own, plus every asset of the given places. */
    List<Slim> scope(String origin, List<Map.Entry<String, String>> sourceClusters) {
        List<Slim> rows = new ArrayList<>(handle.createQuery("SELECT " + SLIM_COLUMNS + " FROM asset WHERE origin = :origin")
                .bind("origin", origin).map(AssetDao::slim).list());
        for (Map.Entry<String, String> sc : sourceClusters) {
            rows.addAll(handle.createQuery("SELECT " + SLIM_COLUMNS + " FROM asset WHERE source = :source"
                            + " AND cluster = :cluster AND (origin IS NULL OR origin <> :origin)")
                    .bind("source", sc.getKey()).bind("cluster", sc.getValue()).bind("origin", origin)
                    .map(AssetDao::slim).list());
        }
        return rows;
    }

    /** The stored slots of one workload. */
    List<Slim> workload(String source, String cluster, String namespace, String kind, String name) {
        return handle.createQuery("SELECT " + SLIM_COLUMNS + " FROM asset WHERE source = :source AND cluster = :cluster"
                        + " AND namespace = :namespace AND kind = :kind AND name = :name")
                .bind("source", source).bind("cluster", cluster).bind("namespace", namespace).bind("kind", kind)
                .bind("name", name)
                .map(AssetDao::slim).list();
    }

    /** A row to write from a scan: what was observed, its fingerprint, and the id when it exists. */
    record Write(long id, ObservedAsset asset, String fingerprint) {
    }

    /** Inserts observed assets (and their asset_seen rows), many rows per INSERT; returns their new ids in order. */
    List<Long> insertScanned(List<Write> rows, String origin, Instant now) {
        List<Long> ids = MultiRow.insert(handle, INSERT_SCANNED, rows, (bind, w) -> {
            AssetKey k = w.asset().key();
            bind.accept("source", k.source());
            bind.accept("cluster", k.cluster());
            bind.accept("namespace", k.namespace());
            bind.accept("kind", k.kind());
            bind.accept("name", k.name());
            bind.accept("container", k.container());
            scanned(bind, w, origin, now);
        }, "assets");
        insertSeen(ids, now);
        return ids;
    }

    /** Rewrites observed assets that changed (or came back, or change owner), in JDBC batches. */
    void updateScanned(List<Write> rows, String origin, Instant now) {
        Chunks.forEach(rows, CHUNK, chunk -> {
            PreparedBatch batch = handle.prepareBatch(UPDATE_SCANNED);
            for (Write w : chunk) {
                bindScanned(batch, w, origin, now);
                batch.bind("id", w.id()).add();
            }
            batch.execute();
        });
        touch(rows.stream().map(Write::id).toList(), now);
    }

    /**
     * Sets last_seen of the given assets, and nothing else: only their narrow asset_seen rows are written (the wide
     * asset row is not). An asset without an asset_seen row gets one.
     */
    void touch(List<Long> ids, Instant now) {
        Chunks.forEach(ids, CHUNK, chunk -> {
            int updated = handle.createUpdate("UPDATE asset_seen SET last_seen = :now WHERE asset_id IN (<ids>)")
                    .bind("now", Times.bind(now)).bindList("ids", chunk).execute();
            if (updated < chunk.size()) {
                handle.createUpdate("INSERT INTO asset_seen (asset_id, last_seen) SELECT a.id, :now FROM asset a"
                                + " WHERE a.id IN (<ids>) AND NOT EXISTS"
                                + " (SELECT 1 FROM asset_seen s WHERE s.asset_id = a.id)")
                        .bind("now", Times.bind(now)).bindList("ids", chunk).execute();
            }
        });
    }

    /** asset_seen rows of new assets, many rows per INSERT. */
    private void insertSeen(List<Long> ids, Instant now) {
        MultiRow.append(handle, "INSERT INTO asset_seen (asset_id, last_seen) VALUES (:asset, :now)", ids,
                (bind, id) -> {
                    bind.accept("asset", id);
                    bind.accept("now", Times.bind(now));
                });
    }

    /** Marks assets gone (their rows and history stay). */
    void markGone(List<Long> ids, Instant now) {
        Chunks.forEach(ids, CHUNK, chunk -> handle.createUpdate("UPDATE asset SET gone_at = :now, updated_at = :now"
                        + " WHERE id IN (<ids>) AND gone_at IS NULL")
                .bind("now", Times.bind(now)).bindList("ids", chunk).execute());
    }

    /** Counts of current (not gone) assets by source and kind. */
    List<TrackedCount> trackedCounts() {
        return handle.createQuery("SELECT source, kind, COUNT(*) AS n FROM asset WHERE gone_at IS NULL"
                        + " GROUP BY source, kind ORDER BY source, kind")
                .map((rs, ctx) -> new TrackedCount(rs.getString("source"), rs.getString("kind"), rs.getLong("n")))
                .list();
    }

    private static void bindScanned(PreparedBatch batch, Write w, String origin, Instant now) {
        scanned((name, value) -> batch.bind(name, value), w, origin, now);
    }

    private static void scanned(java.util.function.BiConsumer<String, Object> bind, Write w, String origin,
                                Instant now) {
        ObservedAsset a = w.asset();
        bind.accept("image", a.image());
        bind.accept("tag", a.tag());
        bind.accept("digest", a.digest());
        bind.accept("labels", JsonColumns.write(a.labels()));
        bind.accept("annotations", JsonColumns.write(a.annotations()));
        bind.accept("details", JsonColumns.write(a.details()));
        bind.accept("fingerprint", w.fingerprint());
        bind.accept("origin", origin);
        bind.accept("now", Times.bind(now));
    }

    private static Slim slim(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Slim(rs.getLong("id"),
                new AssetKey(rs.getString("source"), rs.getString("cluster"), rs.getString("namespace"),
                        rs.getString("kind"), rs.getString("name"), rs.getString("container")),
                rs.getString("current_tag"), rs.getString("current_digest"), rs.getString("fingerprint"),
                rs.getString("origin"), Times.read(rs, "gone_at"));
    }

    static Asset map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Asset(rs.getLong("id"),
                new AssetKey(rs.getString("source"), rs.getString("cluster"), rs.getString("namespace"),
                        rs.getString("kind"), rs.getString("name"), rs.getString("container")),
                rs.getString("image"),
                rs.getString("current_tag"),
                rs.getString("current_digest"),
                JsonColumns.stringMap(rs.getString("labels")),
                JsonColumns.stringMap(rs.getString("annotations")),
                Times.read(rs, "first_seen"),
                Times.read(rs, "last_seen"),
                Times.read(rs, "gone_at"));
    }
}
