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

/** SQL for the {@code asset} table. Runs inside the caller's handle (and transaction). */
final class AssetDao {
    /** Rows per JDBC batch and ids per {@code IN (...)} list. */
    static final int CHUNK = 500;

    private static final String COLUMNS = "id, source, cluster, namespace, kind, name, container, image, current_tag,"
            + " current_digest, labels, annotations, first_seen, last_seen, gone_at";

    private static final String FIND_BY_KEY_FOR_UPDATE = "SELECT " + COLUMNS + " FROM asset"
            + " WHERE source = :source AND cluster = :cluster AND namespace = :namespace AND kind = :kind"
            + " AND name = :name AND container = :container FOR UPDATE";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM asset WHERE id = :id";

    private static final String FIND_DETAIL = "SELECT origin, details FROM asset WHERE id = :id";

    private static final String INSERT = "INSERT INTO asset (source, cluster, namespace, kind, name, container, image,"
            + " current_tag, current_digest, labels, annotations, first_seen, last_seen, updated_at)"
            + " VALUES (:source, :cluster, :namespace, :kind, :name, :container, :image, :tag, :digest,"
            + " CAST(:labels AS <json>), CAST(:annotations AS <json>), :now, :now, :now)";

    // fingerprint is cleared: what the API wrote is not what a scan saw, so the next scan must compare and rewrite
    private static final String UPDATE = "UPDATE asset SET image = :image, current_tag = :tag, current_digest = :digest,"
            + " labels = CAST(:labels AS <json>), annotations = CAST(:annotations AS <json>), last_seen = :now,"
            + " gone_at = NULL, fingerprint = NULL, updated_at = :now WHERE id = :id";

    private static final String LIST_PAGE = "SELECT " + COLUMNS + " FROM asset WHERE id > :after ORDER BY id LIMIT :limit";

    private static final String SLIM_COLUMNS = "id, source, cluster, namespace, kind, name, container, current_tag,"
            + " current_digest, fingerprint, origin, gone_at";

    private static final String INSERT_SCANNED = "INSERT INTO asset (source, cluster, namespace, kind, name, container,"
            + " image, current_tag, current_digest, labels, annotations, details, fingerprint, origin, first_seen,"
            + " last_seen, updated_at) VALUES (:source, :cluster, :namespace, :kind, :name, :container, :image, :tag,"
            + " :digest, CAST(:labels AS <json>), CAST(:annotations AS <json>), CAST(:details AS <json>), :fingerprint,"
            + " :origin, :now, :now, :now)";

    private static final String UPDATE_SCANNED = "UPDATE asset SET image = :image, current_tag = :tag,"
            + " current_digest = :digest, labels = CAST(:labels AS <json>), annotations = CAST(:annotations AS <json>),"
            + " details = CAST(:details AS <json>), fingerprint = :fingerprint, origin = :origin, last_seen = :now,"
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
        return handle.createUpdate(INSERT)
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
    }

    /** Assets with id above {@code afterId} that pass {@code f}, in id order. */
    List<Asset> listAfter(AssetFilter f, long afterId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM asset WHERE id > :after");
        if (f.source() != null) {
            sql.append(" AND source = :source");
        }
        if (f.cluster() != null) {
            sql.append(" AND cluster = :cluster");
        }
        if (f.namespace() != null) {
            sql.append(" AND namespace = :namespace");
        }
        if (f.kind() != null) {
            sql.append(" AND kind = :kind");
        }
        if (f.image() != null) {
            sql.append(" AND image = :image");
        }
        if (f.q() != null) {
            sql.append(" AND (LOWER(name) LIKE :q ESCAPE '!' OR LOWER(namespace) LIKE :q ESCAPE '!'"
                    + " OR LOWER(image) LIKE :q ESCAPE '!' OR LOWER(container) LIKE :q ESCAPE '!')");
        }
        if (f.gone() != null) {
            sql.append(f.gone() ? " AND gone_at IS NOT NULL" : " AND gone_at IS NULL");
        }
        sql.append(" ORDER BY id LIMIT :limit");
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

    /** Inserts observed assets, many rows per INSERT; returns their new ids in the same order. */
    List<Long> insertScanned(List<Write> rows, String origin, Instant now) {
        return MultiRow.insert(handle, INSERT_SCANNED, rows, (bind, w) -> {
            AssetKey k = w.asset().key();
            bind.accept("source", k.source());
            bind.accept("cluster", k.cluster());
            bind.accept("namespace", k.namespace());
            bind.accept("kind", k.kind());
            bind.accept("name", k.name());
            bind.accept("container", k.container());
            scanned(bind, w, origin, now);
        }, "assets");
    }

    /** Rewrites observed assets that changed (or came back, or change owner), in JDBC batches. */
    void updateScanned(List<Write> rows, String origin, Instant now) {
        for (int from = 0; from < rows.size(); from += CHUNK) {
            PreparedBatch batch = handle.prepareBatch(UPDATE_SCANNED);
            for (Write w : rows.subList(from, Math.min(rows.size(), from + CHUNK))) {
                bindScanned(batch, w, origin, now);
                batch.bind("id", w.id()).add();
            }
            batch.execute();
        }
    }

    /** Sets last_seen, and nothing else, on the given assets. */
    void touch(List<Long> ids, Instant now) {
        forChunks(ids, chunk -> handle.createUpdate("UPDATE asset SET last_seen = :now WHERE id IN (<ids>)")
                .bind("now", Times.bind(now)).bindList("ids", chunk).execute());
    }

    /** Marks assets gone (their rows and history stay). */
    void markGone(List<Long> ids, Instant now) {
        forChunks(ids, chunk -> handle.createUpdate("UPDATE asset SET gone_at = :now, updated_at = :now"
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

    private static void forChunks(List<Long> ids, java.util.function.Consumer<List<Long>> action) {
        for (int from = 0; from < ids.size(); from += CHUNK) {
            action.accept(ids.subList(from, Math.min(ids.size(), from + CHUNK)));
        }
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
