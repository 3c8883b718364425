package dev.safeupdater.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.safeupdater.model.ReleaseTimeSource;
import org.jdbi.v3.core.Jdbi;

/**
 * What the registries hold, as last seen: one row per repository tag ({@code image_tag}: digest, release time, first
 * seen) and one per repository ({@code image_repository}: when it was last listed, the last error). A listing is
 * recorded in one transaction that writes only what changed; a failed lookup marks the repository stale with the
 * error and keeps its tags.
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
     * What one lookup of {@code image} found: its listing ({@code tags}, with {@code details} learnt about some of
     * them), or, when {@code error} is set, the error (the stored tags stay, marked stale).
     */
    public record Lookup(String image, List<String> tags, List<TagDetail> details, String error) {
        public static Lookup failure(String image, String error) {
            return new Lookup(image, List.of(), List.of(), error);
        }
    }

    /**
     * Records a successful listing of {@code image}: new tags are inserted, tags no longer listed are removed, and
     * {@code details} set digests and release times.
     */
    public void recordListing(String image, List<String> tags, List<TagDetail> details, Instant now) {
        recordAll(List.of(new Lookup(image, tags, details, null)), now);
    }

    /** Records a failed lookup: the repository's stored tags stay; the repository is marked stale with {@code error}. */
    public void recordFailure(String image, String error, Instant now) {
        recordAll(List.of(Lookup.failure(image, error == null ? "unknown error" : error)), now);
    }

    /**
     * Records many lookups in one transaction (a cycle looks up hundreds of repositories: one commit for a batch
     * of them instead of one each), writing only what changed, with a few statements for the whole batch: one query
     * for what is stored, multi-row INSERTs for new tags and new repositories.
     */
    public void recordAll(List<Lookup> lookups, Instant now) {
        if (lookups.isEmpty()) {
            return;
        }
        Conflicts.retryOnDuplicateKey(() -> { // a concurrent writer may insert the same tags first
            jdbi.useTransaction(h -> {
                ImageTagDao dao = new ImageTagDao(h);
                boolean repeated = lookups.stream().map(Lookup::image).distinct().count() < lookups.size();
                if (!repeated) {
                    write(dao, lookups, now);
                } else {
                    for (Lookup l : lookups) { // a repository looked up twice: the second lookup sees the first
                        write(dao, List.of(l), now);
                    }
                }
            });
            return null;
        });
    }

    /** Writes {@code lookups}, each of a different repository. */
    private static void write(ImageTagDao dao, List<Lookup> lookups, Instant now) {
        Map<String, Map<String, TagDetail>> stored = dao.details(lookups.stream().filter(l -> l.error() == null)
                .map(Lookup::image).toList());
        List<ImageTagDao.ImageTag> added = new ArrayList<>();
        List<ImageTagDao.RepositoryState> repositories = new ArrayList<>(lookups.size());
        for (Lookup l : lookups) {
            if (l.error() != null) {
                String e = l.error().length() > MAX_ERROR ? l.error().substring(0, MAX_ERROR) : l.error();
                repositories.add(new ImageTagDao.RepositoryState(l.image(), -1, now, null, e));
                continue;
            }
            Map<String, TagDetail> before = stored.getOrDefault(l.image(), Map.of());
            Map<String, TagDetail> learnt = new HashMap<>();
            for (TagDetail d : l.details()) {
                learnt.put(d.tag(), d);
            }
            Set<String> listed = new LinkedHashSet<>(l.tags());
            List<TagDetail> changed = new ArrayList<>();
            for (String t : listed) {
                TagDetail was = before.get(t);
                TagDetail after = merge(t, was, learnt.get(t));
                if (was == null) {
                    added.add(new ImageTagDao.ImageTag(l.image(), after));
                } else if (!after.equals(was)) {
                    changed.add(after);
                }
            }
            dao.deleteTags(l.image(), before.keySet().stream().filter(t -> !listed.contains(t)).toList());
            dao.updateTags(l.image(), changed);
            repositories.add(new ImageTagDao.RepositoryState(l.image(), listed.size(), now, now, null));
        }
        dao.insertTags(added, now);
        dao.saveRepositories(repositories);
    }

    /**
     * A tag as stored after a listing: a learnt digest replaces the stored one, and a digest that moved (or was not
     * known) forgets the stored release time; a learnt release time replaces it.
     */
    private static TagDetail merge(String tag, TagDetail before, TagDetail learnt) {
        String digest = before == null ? null : before.digest();
        Instant time = before == null ? null : before.releaseTime();
        ReleaseTimeSource source = before == null ? ReleaseTimeSource.UNKNOWN : before.releaseTimeSource();
        if (learnt != null && learnt.digest() != null) {
            if (!learnt.digest().equals(digest)) {
                time = null;
                source = ReleaseTimeSource.UNKNOWN;
            }
            digest = learnt.digest();
        }
        if (learnt != null && learnt.releaseTimeSource() != null) {
            time = learnt.releaseTime();
            source = learnt.releaseTimeSource();
        }
        return new TagDetail(tag, digest, time, source);
    }

    /** The stored tags of {@code image}, by tag name. */
    public List<TagRow> tags(String image) {
        return jdbi.withHandle(h -> new ImageTagDao(h).tags(image));
    }

    public Optional<RepositoryRow> repository(String image) {
        return jdbi.withHandle(h -> new ImageTagDao(h).repository(image));
    }
}
