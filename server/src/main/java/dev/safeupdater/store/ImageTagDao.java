package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.safeupdater.model.ReleaseTimeSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for {@code image_tag} and {@code image_repository}. Runs inside the caller's handle (and transaction). */
final class ImageTagDao {
    private static final String TAG_COLUMNS = "image, tag, digest, release_time, release_time_source, first_seen,"
            + " last_checked, stale_error";
    private static final String REPO_COLUMNS = "image, tag_count, last_attempt, last_success, error";

    private final Handle handle;

    ImageTagDao(Handle handle) {
        this.handle = handle;
    }

    Set<String> tagNames(String image) {
        return new HashSet<>(handle.createQuery("SELECT tag FROM image_tag WHERE image = :image")
                .bind("image", image).mapTo(String.class).list());
    }

    void insertTags(String image, Collection<String> tags, Instant now) {
        if (tags.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("INSERT INTO image_tag (image, tag, release_time_source,"
                + " first_seen, last_checked) VALUES (:image, :tag, 'UNKNOWN', :now, :now)");
        for (String tag : tags) {
            batch.bind("image", image).bind("tag", tag).bind("now", Times.bind(now)).add();
        }
        batch.execute();
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

    void markChecked(String image, Instant now) {
        handle.createUpdate("UPDATE image_tag SET last_checked = :now, stale_error = NULL WHERE image = :image")
                .bind("image", image).bind("now", Times.bind(now)).execute();
    }

    void markStale(String image, String error) {
        handle.createUpdate("UPDATE image_tag SET stale_error = :error WHERE image = :image")
                .bind("image", image).bind("error", error).execute();
    }

    /** Sets a tag's digest; a digest that moved forgets the release time of the old one. */
    void setDigest(String image, String tag, String digest) {
        handle.createUpdate("UPDATE image_tag SET release_time = NULL, release_time_source = 'UNKNOWN'"
                        + " WHERE image = :image AND tag = :tag AND (digest IS NULL OR digest <> :digest)")
                .bind("image", image).bind("tag", tag).bind("digest", digest).execute();
        handle.createUpdate("UPDATE image_tag SET digest = :digest WHERE image = :image AND tag = :tag")
                .bind("image", image).bind("tag", tag).bind("digest", digest).execute();
    }

    void setRelease(String image, String tag, Instant time, ReleaseTimeSource source) {
        handle.createUpdate("UPDATE image_tag SET release_time = :time, release_time_source = :source"
                        + " WHERE image = :image AND tag = :tag")
                .bind("image", image).bind("tag", tag).bind("time", Times.bind(time)).bind("source", source.name())
                .execute();
    }

    List<ImageTagStore.TagRow> tags(String image) {
        return handle.createQuery("SELECT " + TAG_COLUMNS + " FROM image_tag WHERE image = :image ORDER BY tag")
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
