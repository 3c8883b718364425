package dev.safeupdater.execution;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryException;
import dev.safeupdater.registry.ReleaseTime;
import dev.safeupdater.registry.TagSource;
import dev.safeupdater.registry.helm.ChartLookupException;
import dev.safeupdater.registry.helm.ChartVersionLookup;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.version.CandidateSelector;
import dev.safeupdater.version.ChangeClass;
import dev.safeupdater.version.ChangeClassifier;
import dev.safeupdater.version.ParsedTag;
import dev.safeupdater.version.Selection;
import dev.safeupdater.version.TagSet;
import dev.safeupdater.version.TagVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry discovery for the shells and for scans: the tags of an image with digests and release times, and
 * candidates with their digests and release times for many (image, current tag) pairs at once — one tag lookup per
 * distinct image, in parallel, within each registry's politeness limits. Registry failures never escape: the result
 * is marked stale with the error and, when the store has an earlier listing, uses it. Listings are recorded in the
 * store when there is one.
 *
 * <p>Helm charts are looked up the same way: {@code oci://host/path/chart} is the OCI repository
 * {@code host/path/chart} (chart versions are its tags), and {@code http(s)://repo/path/chart} is the chart
 * {@code chart} in the HTTP repository {@code http(s)://repo/path} (versions and publication times from its
 * {@code index.yaml}). Helm release assets carry these locations as their image. Both are {@link TagSource}s, so
 * the fallback to the stored listing, the recording and the candidate selection below are written once for both.
 */
public final class TagService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TagService.class);
    /** The most tags {@link #tags} describes in one call. */
    public static final int MAX_LIMIT = 10_000;

    /** The chart source when no HTTP chart repositories are configured: every lookup fails and says so. */
    private static final ChartVersionLookup NO_CHARTS = chart -> {
        throw new ChartLookupException("HTTP chart repositories are not configured");
    };

    private final Registry registry;
    private final TagSource charts;
    private final ImageTagStore store;
    private final Clock clock;
    /** Listings recorded at the same time, at most. */
    private final java.util.concurrent.Semaphore writers = new java.util.concurrent.Semaphore(4);
    /** Lookups a discovery records per transaction. */
    static final int RECORD_BATCH = 100;
    /** Name → when the listing recorded last was fetched: a listing the cache serves again is not rewritten. */
    private final Map<String, Instant> recordedFetch = new java.util.concurrent.ConcurrentHashMap<>();
    /** Tag details recorded already (name, tag, digest, release time and its source). */
    private final java.util.Set<String> recordedDetails = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_REMEMBERED = 500_000;

    /**
     * {@code store} may be null (nothing recorded, no stored fallback); {@code chartIndex} (HTTP chart repositories)
     * may be null, and then http(s) chart locations are refused.
     */
    public TagService(Registry registry, ChartVersionLookup chartIndex, ImageTagStore store, Clock clock) {
        this.registry = registry;
        this.charts = chartIndex == null ? NO_CHARTS : chartIndex;
        this.store = store;
        this.clock = clock;
    }

    /** A registry-only service (no HTTP chart repositories). */
    public TagService(Registry registry, ImageTagStore store, Clock clock) {
        this(registry, null, store, clock);
    }

    public Registry registry() {
        return registry;
    }

    // ---- tags of one image -------------------------------------------------------------------------------------

    /** One tag: whether it is a version, what it points to and when that was released (null when not looked up). */
    public record TagEntry(String tag, boolean version, String digest, Instant releaseTime,
                           ReleaseTimeSource releaseTimeSource, String error) {
    }

    /** The tags of an image, newest version first, and how fresh the list is. */
    public record TagReport(String image, int total, List<TagEntry> tags, Instant fetchedAt, boolean fromCache,
                            boolean stale, String error) {
    }

    /**
     * The tags of {@code image}, newest version first (unversioned last); the first {@code limit} (0: all) with digest
     * and release time. Never throws for registry failures: the report says stale and why, and shows the stored
     * listing (with the digests and release times recorded before) when there is one.
     */
    public TagReport tags(String image, int limit) {
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new InvalidInputException(List.of(new FieldError("limit", "must be between 0 (all) and " + MAX_LIMIT)));
        }
        TagSource source = source(image);
        String name = name("image", source, image);
        Lookup lookup = lookup(source, image, name);
        List<TagVersion> sorted = TagSet.of(lookup.tags()).newestFirst();
        List<TagVersion> shown = limit == 0 || sorted.size() <= limit ? sorted : sorted.subList(0, limit);
        List<TagEntry> entries = new ArrayList<>(shown.size());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TagEntry>> futures = new ArrayList<>();
            for (TagVersion v : shown) {
                futures.add(pool.submit(() -> entry(source, image, lookup, v)));
            }
            for (Future<TagEntry> f : futures) {
                entries.add(join(f));
            }
        }
        List<ImageTagStore.TagDetail> details = new ArrayList<>();
        for (TagEntry e : entries) {
            if (e.digest() != null) {
                details.add(new ImageTagStore.TagDetail(e.tag(), e.digest(), e.releaseTime(), e.releaseTimeSource()));
            }
        }
        record(lookup, details);
        return new TagReport(name, sorted.size(), entries, lookup.fetchedAt(), lookup.fromCache(), lookup.stale(),
                lookup.error());
    }

    private TagEntry entry(TagSource source, String location, Lookup lookup, TagVersion v) {
        try {
            TagSource.Tag t = detail(source, location, lookup, v.tag(), true);
            ReleaseTime r = t.release();
            return new TagEntry(v.tag(), v.isVersion(), t.digest(), r == null ? null : r.time(),
                    r == null ? ReleaseTimeSource.UNKNOWN : r.source(), r == null ? null : r.note());
        } catch (RegistryException e) {
            return new TagEntry(v.tag(), v.isVersion(), null, null, ReleaseTimeSource.UNKNOWN, e.getMessage());
        }
    }

    /** The tags of an image as known now: from the registry, else cached or stored (stale), else none with the error. */
    public record Available(String image, List<String> tags, boolean stale, String error, Instant fetchedAt) {
    }

    /** The tags of {@code image} (no digests, no release times); registry failures are reported, not thrown. */
    public Available available(String image) {
        TagSource source = source(image);
        String name = name("image", source, image);
        Lookup lookup = lookup(source, image, name);
        record(lookup, List.of());
        return new Available(name, lookup.tags(), lookup.stale(), lookup.error(), lookup.fetchedAt());
    }

    // ---- discovery for scans -----------------------------------------------------------------------------------

    /** The key of the DIGEST candidate in {@link Discovery#candidates()} (next to patch, minor, major, prerelease). */
    public static final String DIGEST = "digest";

    /** One asset's question: which candidates does its image offer for its current tag? */
    public record DiscoveryRequest(String image, String currentTag, String currentDigest, boolean allowPrerelease) {
    }

    /** A candidate with what it points to and when that was released. */
    public record CandidateInfo(String tag, ChangeType changeType, String digest, Instant releaseTime,
                                ReleaseTimeSource releaseTimeSource, String error) {
    }

    /**
     * The answer for one request: the image's canonical name, the parsed current tag, the digest the current tag
     * points to now (and whether it moved away from the running digest), the candidates per class ({@code patch},
     * {@code minor}, {@code major}, {@code prerelease}, and {@code digest} — the running tag itself, with the
     * registry's new digest — when the digest moved), and whether the data is stale (with the error).
     */
    public record Discovery(DiscoveryRequest request, String image, ParsedTag current, String currentTagDigest,
                            boolean digestMoved, Map<String, CandidateInfo> candidates, int tagCount, boolean stale,
                            String error) {
    }

    /** The requests for one image or chart: where to ask, and which requests want the answer. */
    private record Group(TagSource source, String location, String name, List<Integer> indexes) {
    }

    /**
     * Answers every request; each distinct image is looked up once, images in parallel. Never throws for registry
     * failures or bad references: those come back as results with an error.
     */
    public List<Discovery> discover(List<DiscoveryRequest> requests) {
        Map<String, Group> groups = new LinkedHashMap<>();
        Discovery[] out = new Discovery[requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            DiscoveryRequest r = requests.get(i);
            TagSource source = source(r.image());
            try {
                String name = source.name(r.image());
                groups.computeIfAbsent(name, k -> new Group(source, r.image(), k, new ArrayList<>())).indexes().add(i);
            } catch (IllegalArgumentException e) {
                String what = source == registry ? "invalid image reference: " : "invalid chart location: ";
                out[i] = new Discovery(r, r.image(), ParsedTag.of(TagVersion.parse(r.currentTag())), null, false,
                        Map.of(), 0, true, what + e.getMessage());
            }
        }
        Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap(); // e.g. the cycle_id of a cycle's log lines
        Recording recording = new Recording(RECORD_BATCH);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (Group g : groups.values()) {
                futures.add(pool.submit(withMdc(mdc, () -> discover(g, requests, out, recording))));
            }
            for (Future<?> f : futures) {
                join(f);
            }
        }
        recording.flush();
        return List.of(out);
    }

    private void discover(Group g, List<DiscoveryRequest> requests, Discovery[] out, Recording recording) {
        Lookup lookup;
        try {
            lookup = lookup(g.source(), g.location(), g.name());
        } catch (RuntimeException e) { // a bug must not take the other images down
            LOG.atError().setCause(e).addKeyValue("event", "discovery_failed").addKeyValue("image", g.name())
                    .log("discovery for {} failed", g.name());
            for (int i : g.indexes()) {
                out[i] = new Discovery(requests.get(i), g.name(), null, null, false, Map.of(), 0, true,
                        "internal error: " + e.getClass().getSimpleName());
            }
            return;
        }
        TagSet set = TagSet.of(lookup.tags());
        Set<String> present = new HashSet<>(lookup.tags());
        Map<String, ImageTagStore.TagDetail> details = new LinkedHashMap<>();
        Map<String, Asked> asked = new HashMap<>();
        for (int i : g.indexes()) {
            DiscoveryRequest r = requests.get(i);
            TagVersion current = TagVersion.parse(r.currentTag());
            Selection s = CandidateSelector.select(current, set, r.allowPrerelease());
            Map<String, CandidateInfo> candidates = new LinkedHashMap<>();
            String firstError = lookup.error();
            for (ChangeClass c : ChangeClass.values()) {
                TagVersion t = s.candidate(c);
                if (t != null) {
                    candidates.put(c.key(), candidate(g, lookup, t.tag(), c.changeType(), details, asked));
                }
            }
            String currentDigest = null;
            boolean moved = false;
            if (lookup.error() == null && present.contains(r.currentTag())) {
                try {
                    currentDigest = detailOnce(g, lookup, r.currentTag(), false, asked).digest();
                    details.putIfAbsent(r.currentTag(), new ImageTagStore.TagDetail(r.currentTag(), currentDigest,
                            null, null));
                    moved = ChangeClassifier.isDigestCandidate(r.currentTag(), r.currentDigest(), currentDigest);
                    if (moved) {
                        // a new image behind the running tag (latest, 1.25, stable, or a rebuilt version)
                        candidates.put(DIGEST, candidate(g, lookup, r.currentTag(), ChangeType.DIGEST, details,
                                asked));
                    }
                } catch (RegistryException e) {
                    if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                        firstError = firstError == null ? e.getMessage() : firstError;
                    }
                }
            }
            out[i] = new Discovery(r, g.name(), ParsedTag.of(current), currentDigest, moved, candidates,
                    set.size(), lookup.stale() || firstError != null, firstError);
        }
        recording.add(lookup, List.copyOf(details.values()));
    }

    private CandidateInfo candidate(Group g, Lookup lookup, String tag, ChangeType type,
                                    Map<String, ImageTagStore.TagDetail> details, Map<String, Asked> asked) {
        try {
            TagSource.Tag t = detailOnce(g, lookup, tag, true, asked);
            ReleaseTime r = t.release();
            ReleaseTimeSource source = r == null ? ReleaseTimeSource.UNKNOWN : r.source();
            details.put(tag, new ImageTagStore.TagDetail(tag, t.digest(), r == null ? null : r.time(), source));
            return new CandidateInfo(tag, type, t.digest(), r == null ? null : r.time(), source, null);
        } catch (RegistryException e) {
            return new CandidateInfo(tag, type, null, null, ReleaseTimeSource.UNKNOWN, e.getMessage());
        }
    }

    /** What one image's discovery learnt about a tag: the answer, or the failure. */
    private record Asked(TagSource.Tag answer, RegistryException failure) {
    }

    /**
     * {@link #detail}, asked at most once per tag in one image's discovery ({@code asked}: by tag, or by tag and
     * newline when with its release time): the image's workloads share the answers, also with the registry's cache
     * turned off.
     */
    private static TagSource.Tag detailOnce(Group g, Lookup lookup, String tag, boolean withReleaseTime,
                                            Map<String, Asked> asked) {
        String key = withReleaseTime ? tag + "\n" : tag;
        Asked memo = asked.get(key);
        if (memo == null && !withReleaseTime) {
            Asked full = asked.get(tag + "\n"); // an answer with the release time names the digest too
            memo = full != null && full.answer() != null ? full : null;
        }
        if (memo == null) {
            try {
                memo = new Asked(detail(g.source(), g.location(), lookup, tag, withReleaseTime), null);
            } catch (RegistryException e) {
                memo = new Asked(null, e);
            }
            asked.put(key, memo);
        }
        if (memo.failure() != null) {
            throw memo.failure();
        }
        return memo.answer();
    }

    // ---- lookups, fallbacks, recording (once for every source) -------------------------------------------------

    /**
     * A listing as this service uses it: the tags, what is known about them without asking again ({@code known}:
     * from the listing itself, or from the store when the source failed), how fresh it is, and whether it came from
     * the store.
     */
    private record Lookup(String name, List<String> tags, Map<String, TagSource.Tag> known, Instant fetchedAt,
                          boolean fromCache, boolean stale, String error, boolean fromStore) {
    }

    private TagSource source(String image) {
        return isHttpChart(image) ? charts : registry;
    }

    private static String name(String field, TagSource source, String image) {
        if (image == null || image.isBlank()) {
            throw new InvalidInputException(List.of(new FieldError(field, "is required")));
        }
        try {
            return source.name(image);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(List.of(new FieldError(field, e.getMessage())));
        }
    }

    /**
     * The source's tags; when it fails, its own cached list or the stored listing (with the digests and release
     * times recorded before), marked stale with the error, or no tags with the error.
     */
    private Lookup lookup(TagSource source, String location, String name) {
        try {
            TagSource.Listing l = source.list(location);
            Map<String, TagSource.Tag> known = l.known();
            if (l.error() != null) {
                known = new HashMap<>(known);
                for (TagSource.Tag t : stored(name)) {
                    known.putIfAbsent(t.tag(), t);
                }
            }
            return new Lookup(name, l.tags(), known, l.fetchedAt() == null ? clock.instant() : l.fetchedAt(),
                    l.fromCache(), l.stale() || l.error() != null, l.error(), false);
        } catch (RegistryException e) {
            List<TagSource.Tag> stored = stored(name);
            if (!stored.isEmpty()) {
                Map<String, TagSource.Tag> known = new LinkedHashMap<>();
                stored.forEach(t -> known.put(t.tag(), t));
                return new Lookup(name, List.copyOf(known.keySet()), known, storedAt(name), true, true,
                        e.getMessage(), true);
            }
            return new Lookup(name, List.of(), Map.of(), null, false, true, e.getMessage(), false);
        }
    }

    /** The stored listing of {@code name} with its digests and release times (empty without a store). */
    private List<TagSource.Tag> stored(String name) {
        if (store == null) {
            return List.of();
        }
        try {
            List<TagSource.Tag> out = new ArrayList<>();
            for (ImageTagStore.TagRow row : store.tags(name)) {
                ReleaseTime release = row.releaseTimeSource() == null ? null
                        : new ReleaseTime(row.releaseTime(), row.releaseTimeSource(), null);
                out.add(new TagSource.Tag(row.tag(), row.digest(), release));
            }
            return out;
        } catch (RuntimeException storeFailure) {
            LOG.atWarn().addKeyValue("event", "stored_tags_unavailable").addKeyValue("image", name)
                    .log("cannot read stored tags of {}: {}", name, storeFailure.getMessage());
            return List.of();
        }
    }

    private Instant storedAt(String name) {
        try {
            return store.repository(name).map(ImageTagStore.RepositoryRow::lastSuccess).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * What {@code tag} points to: from the listing (or the stored listing) when it says, else asked from the
     * source. A stale listing is never completed by asking the source again (it just failed): a tag it does not
     * describe fails with the listing's error.
     */
    private static TagSource.Tag detail(TagSource source, String location, Lookup lookup, String tag,
                                        boolean withReleaseTime) {
        TagSource.Tag known = lookup.known().get(tag);
        if (known != null && known.digest() != null && (known.release() != null || !withReleaseTime)) {
            return known;
        }
        if (lookup.error() != null) {
            if (known != null && known.digest() != null) {
                return known;
            }
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, lookup.error());
        }
        return source.describe(location, tag, withReleaseTime);
    }

    /**
     * Records a successful listing with everything learnt about its tags (what the listing said and
     * {@code described}), or the failure; a listing read back from the store is not written again.
     */
    private void record(Lookup lookup, List<ImageTagStore.TagDetail> described) {
        Recording one = new Recording(Integer.MAX_VALUE);
        one.add(lookup, described);
        one.flush();
    }

    /** Lookups recorded in one transaction per {@code batch} of them (discovery looks hundreds of images up). */
    private final class Recording {
        private final int batch;
        private final List<Pending> pending = new ArrayList<>();

        private record Pending(Lookup lookup, List<ImageTagStore.TagDetail> described, ImageTagStore.Lookup write) {
        }

        Recording(int batch) {
            this.batch = batch;
        }

        /** Queues what {@code lookup} found; writes the queue when it holds a batch. */
        void add(Lookup lookup, List<ImageTagStore.TagDetail> described) {
            ImageTagStore.Lookup write = write(lookup, described);
            if (write == null) {
                return;
            }
            List<Pending> full = null;
            synchronized (pending) {
                pending.add(new Pending(lookup, described, write));
                if (pending.size() >= batch) {
                    full = List.copyOf(pending);
                    pending.clear();
                }
            }
            if (full != null) {
                store(full);
            }
        }

        void flush() {
            List<Pending> rest;
            synchronized (pending) {
                rest = List.copyOf(pending);
                pending.clear();
            }
            store(rest);
        }

        private void store(List<Pending> writes) {
            if (writes.isEmpty()) {
                return;
            }
            // a few writers at a time, so the connection pool is not exhausted (and no listing goes unrecorded)
            writers.acquireUninterruptibly();
            try {
                ImageTagStore.Lookup[] batchWrites = writes.stream().map(Pending::write)
                        .toArray(ImageTagStore.Lookup[]::new);
                store.recordAll(List.of(batchWrites), clock.instant());
                writes.forEach(p -> recorded(p.lookup(), p.described()));
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("event", "tag_record_failed").addKeyValue("images", writes.size())
                        .log("cannot record tags of {} (and {} more): {}", writes.getFirst().lookup().name(),
                                writes.size() - 1, e.getMessage());
            } finally {
                writers.release();
            }
        }
    }

    /** What to store of {@code lookup} (its listing and details, or its error); null: nothing new to store. */
    private ImageTagStore.Lookup write(Lookup lookup, List<ImageTagStore.TagDetail> described) {
        if (store == null) {
            return null;
        }
        if (lookup.error() == null && !lookup.fromStore() && lookup.fetchedAt() != null
                && lookup.fetchedAt().equals(recordedFetch.get(lookup.name()))
                && described.stream().allMatch(d -> recordedDetails.contains(detailKey(lookup.name(), d)))) {
            return null; // this very listing (the source's cache answered) and these details are stored already
        }
        if (lookup.error() != null) {
            recordedFetch.remove(lookup.name());
            return ImageTagStore.Lookup.failure(lookup.name(), lookup.error());
        }
        if (lookup.fromStore()) {
            return null;
        }
        Map<String, ImageTagStore.TagDetail> details = new LinkedHashMap<>();
        for (TagSource.Tag t : lookup.known().values()) {
            ReleaseTime r = t.release();
            details.put(t.tag(), new ImageTagStore.TagDetail(t.tag(), t.digest(), r == null ? null : r.time(),
                    r == null ? null : r.source()));
        }
        described.forEach(d -> details.put(d.tag(), d));
        return new ImageTagStore.Lookup(lookup.name(), lookup.tags(), List.copyOf(details.values()), null);
    }

    /** Remembers that {@code lookup}'s listing and details are stored, so an unchanged answer is not stored again. */
    private void recorded(Lookup lookup, List<ImageTagStore.TagDetail> described) {
        if (lookup.error() != null) {
            return;
        }
        if (recordedDetails.size() > MAX_REMEMBERED) {
            recordedDetails.clear();
            recordedFetch.clear();
        }
        if (lookup.fetchedAt() != null) {
            recordedFetch.put(lookup.name(), lookup.fetchedAt());
        }
        described.forEach(d -> recordedDetails.add(detailKey(lookup.name(), d)));
    }

    private static String detailKey(String name, ImageTagStore.TagDetail d) {
        return name + "\u0000" + d.tag() + "\u0000" + d.digest() + "\u0000" + d.releaseTime() + "\u0000"
                + d.releaseTimeSource();
    }

    private static Runnable withMdc(Map<String, String> mdc, Runnable task) {
        return mdc == null ? task : () -> {
            org.slf4j.MDC.setContextMap(mdc);
            try {
                task.run();
            } finally {
                org.slf4j.MDC.clear();
            }
        };
    }

    /**
     * The name listings of {@code image} are recorded under (the {@code image} column of {@code image_tag}): the
     * canonical repository for images and OCI charts ({@code nginx} → {@code docker.io/library/nginx}), the location
     * for charts in HTTP repositories. Unreadable references are returned as given.
     */
    public static String storageName(String image) {
        try {
            return isHttpChart(image) ? NO_CHARTS.name(image) : Registry.repository(image).name();
        } catch (IllegalArgumentException e) {
            return image;
        }
    }

    private static boolean isHttpChart(String image) {
        String s = image == null ? "" : image.strip();
        return s.startsWith("https://") || s.startsWith("http://");
    }

    private static <T> T join(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        registry.close();
    }
}
