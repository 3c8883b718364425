package dev.safeupdater.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.safeupdater.model.ReleaseTimeSource;
import org.jdbi.v3.core.Jdbi;

/**
 * What the registries hold, as last seen: one row per repository tag ({@code image_tag}) and one per repository
 * ({@code image_repository}). A listing is recorded in one transaction; a failed lookup marks the repository's rows
 * stale with the error and keeps them.
 */
public final class ImageTagStore {
    private static final int MAX_ERROR = 2000;

    /** One stored tag. */
    public record TagRow(String image, String tag, String digest, Instant releaseTime, ReleaseTimeSource releaseTimeSource,
                         Instant firstSeen, Instant lastChecked, String staleError) {
    }

    /** The state of one repository's lookups. */
    public record RepositoryRow(String image, int tagCount, Instant lastAttempt, Instant lastSuccess, String error) {
    }

    /** What was learnt about one tag: its digest and, when looked up, its release time (null: not looked up). */
    public record TagDetail(String tag, String digest, Instant releaseTime, ReleaseTimeSource releaseTimeSource) {
    }

    private final Jdbi jdbi;

    public ImageTagStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /**
     * Records a successful listing of {@code image}: new tags are inserted, every listed tag is marked checked and
     * fresh, tags no longer listed are removed, and {@code details} set digests and release times.
     */
    public void recordListing(String image, List<String> tags, List<TagDetail> details, Instant now) {
        Conflicts.retryOnDuplicateKey(() -> { // a concurrent writer may insert the same tags first
            recordOnce(image, tags, details, now);
            return null;
        });
    }

    private void recordOnce(String image, List<String> tags, List<TagDetail> details, Instant now) {
        jdbi.useTransaction(h -> {
            ImageTagDao dao = new ImageTagDao(h);
            Set<String> listed = new LinkedHashSet<>(tags);
            Set<String> existing = dao.tagNames(image);
            List<String> added = new ArrayList<>();
            for (String t : listed) {
                if (!existing.contains(t)) {
                    added.add(t);
                }
            }
            List<String> gone = new ArrayList<>();
            for (String t : existing) {
                if (!listed.contains(t)) {
                    gone.add(t);
                }
            }
            dao.insertTags(image, added, now);
            dao.deleteTags(image, gone);
            dao.markChecked(image, now);
            for (TagDetail d : details) {
                if (!listed.contains(d.tag())) {
                    continue;
                }
                if (d.digest() != null) {
                    dao.setDigest(image, d.tag(), d.digest());
                }
                if (d.releaseTimeSource() != null) {
                    dao.setRelease(image, d.tag(), d.releaseTime(), d.releaseTimeSource());
                }
            }
            dao.saveRepository(image, listed.size(), now, now, null);
        });
    }

    /** Records a failed lookup: the repository's stored tags stay, marked stale with {@code error}. */
    public void recordFailure(String image, String error, Instant now) {
        String e = error == null ? "unknown error" : error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error;
        jdbi.useTransaction(h -> {
            ImageTagDao dao = new ImageTagDao(h);
            dao.markStale(image, e);
            dao.saveRepository(image, -1, now, null, e);
        });
    }

    /** The stored tags of {@code image}, by tag name. */
    public List<TagRow> tags(String image) {
        return jdbi.withHandle(h -> new ImageTagDao(h).tags(image));
    }

    public Optional<RepositoryRow> repository(String image) {
        return jdbi.withHandle(h -> new ImageTagDao(h).repository(image));
    }
}
