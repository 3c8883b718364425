package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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

    /** Images per {@code IN} list of the queries that read many repositories at once. */
    private static final int IMAGES_PER_QUERY = 100;

    /** A tag of a repository with what is known of it. */
    record ImageTag(String image, ImageTagStore.TagDetail detail) {
    }

    /** A repository's row as a lookup leaves it ({@code tagCount} -1 and {@code success} null: keep the stored ones). */
    record RepositoryState(String image, int tagCount, Instant attempt, Instant success, String error) {
    }

    /** What is stored of each tag of {@code images}, by image and tag name (images without tags are absent). */
    Map<String, Map<String, ImageTagStore.TagDetail>> details(List<String> images) {
        Map<String, Map<String, ImageTagStore.TagDetail>> out = new HashMap<>();
        Chunks.forEach(images, IMAGES_PER_QUERY, chunk -> handle.createQuery("SELECT image, tag, digest, release_time, release_time_source"
                        + " FROM image_tag WHERE image IN (<images>)")
                .bindList("images", chunk)
                .map((rs, ctx) -> new ImageTag(rs.getString("image"), new ImageTagStore.TagDetail(
                        rs.getString("tag"), rs.getString("digest"), Times.read(rs, "release_time"),
                        ReleaseTimeSource.valueOf(rs.getString("release_time_source")))))
                .forEach(t -> out.computeIfAbsent(t.image(), k -> new HashMap<>()).put(t.detail().tag(), t.detail())));
        return out;
    }

    /**
     * Inserts new tags with what is known of each (digest and release time may be null), as multi-row INSERTs: a
     * repository's first listing is tens of tags, and H2 runs a JDBC batch row by row.
     */
    void insertTags(List<ImageTag> tags, Instant now) {
        Object at = Times.bind(now);
        MultiRow.append(handle, "INSERT INTO image_tag (image, tag, digest, release_time, release_time_source,"
                + " first_seen) VALUES (:image, :tag, :digest, :time, :source, :now)", tags, (bind, t) -> {
                    bind.accept("image", t.image());
                    bind.accept("tag", t.detail().tag());
                    bind.accept("digest", t.detail().digest());
                    bind.accept("time", Times.bind(t.detail().releaseTime()));
                    bind.accept("source", t.detail().releaseTimeSource().name());
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

    /**
     * Saves the repositories' rows: existing ones are updated one by one, new ones inserted with multi-row INSERTs
     * (a first cycle meets a thousand new repositories).
     */
    void saveRepositories(List<RepositoryState> states) {
        Set<String> existing = new HashSet<>();
        Chunks.forEach(states.stream().map(RepositoryState::image).toList(), IMAGES_PER_QUERY, chunk -> existing.addAll(handle.createQuery(
                "SELECT image FROM image_repository WHERE image IN (<images>)").bindList("images", chunk)
                .mapTo(String.class).list()));
        List<RepositoryState> added = new ArrayList<>();
        for (RepositoryState r : states) {
            if (!existing.contains(r.image())) {
                added.add(r);
                continue;
            }
            handle.createUpdate("UPDATE image_repository SET tag_count = COALESCE(:count, tag_count),"
                            + " last_attempt = :attempt, last_success = COALESCE(:success, last_success),"
                            + " error = :error WHERE image = :image")
                    .bind("image", r.image()).bind("count", r.tagCount() < 0 ? null : r.tagCount())
                    .bind("attempt", Times.bind(r.attempt())).bind("success", Times.bind(r.success()))
                    .bind("error", r.error()).execute();
        }
        MultiRow.append(handle, "INSERT INTO image_repository (image, tag_count, last_attempt, last_success, error)"
                + " VALUES (:image, :count, :attempt, :success, :error)", added, (bind, r) -> {
                    bind.accept("image", r.image());
                    bind.accept("count", Math.max(r.tagCount(), 0));
                    bind.accept("attempt", Times.bind(r.attempt()));
                    bind.accept("success", Times.bind(r.success()));
                    bind.accept("error", r.error());
                });
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
