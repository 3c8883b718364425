package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for the {@code asset} table. Runs inside the caller's handle (and transaction). */
final class AssetDao {
    private static final String COLUMNS = "id, source, cluster, namespace, kind, name, container, image, current_tag,"
            + " current_digest, labels, annotations, first_seen, last_seen, gone_at";

    private static final String FIND_BY_KEY_FOR_UPDATE = "SELECT " + COLUMNS + " FROM asset"
            + " WHERE source = :source AND cluster = :cluster AND namespace = :namespace AND kind = :kind"
            + " AND name = :name AND container = :container FOR UPDATE";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM asset WHERE id = :id";

    private static final String INSERT = "INSERT INTO asset (source, cluster, namespace, kind, name, container, image,"
            + " current_tag, current_digest, labels, annotations, first_seen, last_seen, updated_at)"
            + " VALUES (:source, :cluster, :namespace, :kind, :name, :container, :image, :tag, :digest,"
            + " CAST(:labels AS <json>), CAST(:annotations AS <json>), :now, :now, :now)";

    private static final String UPDATE = "UPDATE asset SET image = :image, current_tag = :tag, current_digest = :digest,"
            + " labels = CAST(:labels AS <json>), annotations = CAST(:annotations AS <json>), last_seen = :now,"
            + " gone_at = NULL, updated_at = :now WHERE id = :id";

    private static final String LIST_PAGE = "SELECT " + COLUMNS + " FROM asset WHERE id > :after ORDER BY id LIMIT :limit";

    private final Handle handle;

    AssetDao(Handle handle) {
        this.handle = handle;
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

    List<Asset> listAfter(long afterId, int limit) {
        return handle.createQuery(LIST_PAGE).bind("after", afterId).bind("limit", limit).map(AssetDao::map).list();
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
