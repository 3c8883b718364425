package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.ReleaseTimeSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for {@code image_tag} and {@code image_repository}. Runs inside the caller's handle (and transaction). */
final class ImageTagDao {
    /** A tag row with its repository's last successful listing (when it was last checked) and last error. */
    private static final String TAG_SELECT = "SELECT t.image, t.tag, t.digest, t.release_time, t.release_time_source,"
            + " t.first_seen, r.last_success AS last_checked, r.error AS stale_error FROM image_tag t"
            + " LEFT JOIN image_repository r ON r.image = t.image";
    private static final String REPO_COLUMNS = "image, tag_count, last_attempt, last_success, error";

    private final Handle handle;

    ImageTagDao(Handle handle) {
        this.handle = handle;
    }

    /** What is stored of each tag of {@code image}, by tag name. */
    Map<String, ImageTagStore.TagDetail> details(String image) {
        Map<String, ImageTagStore.TagDetail> out = new HashMap<>();
        handle.createQuery("SELECT tag, digest, release_time, release_time_source FROM image_tag WHERE image = :image")
                .bind("image", image)
                .map((rs, ctx) -> new ImageTagStore.TagDetail(rs.getString("tag"), rs.getString("digest"),
                        Times.read(rs, "release_time"), ReleaseTimeSource.valueOf(rs.getString("release_time_source"))))
                .forEach(d -> out.put(d.tag(), d));
        return out;
    }

    /**
     * Inserts new tags of {@code image} with what is known of each (digest and release time may be null), as
     * multi-row INSERTs: a repository's first listing is tens of tags, and H2 runs a JDBC batch row by row.
     */
    void insertTags(String image, List<ImageTagStore.TagDetail> tags, Instant now) {
        Object at = Times.bind(now);
        MultiRow.append(handle, "INSERT INTO image_tag (image, tag, digest, release_time, release_time_source,"
                + " first_seen) VALUES (:image, :tag, :digest, :time, :source, :now)", tags, (bind, t) -> {
                    bind.accept("image", image);
                    bind.accept("tag", t.tag());
                    bind.accept("digest", t.digest());
                    bind.accept("time", Times.bind(t.releaseTime()));
                    bind.accept("source", t.releaseTimeSource().name());
                    bind.accept("now", at);
                });
    }

    void deleteTags(String image, Collection<String> tags) {
        if (tags.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("DELETE FROM image_tag WHERE image = :image AND tag = :tag");
        for (String tag : tags) {
            batch.bind("image", image).bind("tag", tag).add();
        }
        batch.execute();
    }

    /** Sets the digest and release time of existing tags of {@code image}. */
    void updateTags(String image, Collection<ImageTagStore.TagDetail> tags) {
        if (tags.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("UPDATE image_tag SET digest = :digest, release_time = :time,"
                + " release_time_source = :source WHERE image = :image AND tag = :tag");
        for (ImageTagStore.TagDetail t : tags) {
            batch.bind("image", image).bind("tag", t.tag()).bind("digest", t.digest())
                    .bind("time", Times.bind(t.releaseTime())).bind("source", t.releaseTimeSource().name()).add();
        }
        batch.execute();
    }

    List<ImageTagStore.TagRow> tags(String image) {
        return handle.createQuery(TAG_SELECT + " WHERE t.image = :image ORDER BY t.tag")
                .bind("image", image).map(ImageTagDao::mapTag).list();
    }

    Optional<ImageTagStore.RepositoryRow> repository(String image) {
        return handle.createQuery("SELECT " + REPO_COLUMNS + " FROM image_repository WHERE image = :image")
                .bind("image", image).map(ImageTagDao::mapRepo).findOne();
    }

    void saveRepository(String image, int tagCount, Instant attempt, Instant success, String error) {
        int updated = handle.createUpdate("UPDATE image_repository SET tag_count = COALESCE(:count, tag_count),"
                        + " last_attempt = :attempt, last_success = COALESCE(:success, last_success), error = :error"
                        + " WHERE image = :image")
                .bind("image", image).bind("count", tagCount < 0 ? null : tagCount)
                .bind("attempt", Times.bind(attempt)).bind("success", Times.bind(success)).bind("error", error)
                .execute();
        if (updated == 0) {
            handle.createUpdate("INSERT INTO image_repository (image, tag_count, last_attempt, last_success, error)"
                            + " VALUES (:image, :count, :attempt, :success, :error)")
                    .bind("image", image).bind("count", Math.max(tagCount, 0)).bind("attempt", Times.bind(attempt))
                    .bind("success", Times.bind(success)).bind("error", error).execute();
        }
    }

    private static ImageTagStore.TagRow mapTag(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ImageTagStore.TagRow(rs.getString("image"), rs.getString("tag"), rs.getString("digest"),
                Times.read(rs, "release_time"), ReleaseTimeSource.valueOf(rs.getString("release_time_source")),
                Times.read(rs, "first_seen"), Times.read(rs, "last_checked"), rs.getString("stale_error"));
    }

    private static ImageTagStore.RepositoryRow mapRepo(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ImageTagStore.RepositoryRow(rs.getString("image"), rs.getInt("tag_count"),
                Times.read(rs, "last_attempt"), Times.read(rs, "last_success"), rs.getString("error"));
    }
}
