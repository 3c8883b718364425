package dev.safeupdater.execution;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import dev.safeupdater.registry.helm.ChartLocation;
import dev.safeupdater.registry.helm.ChartLookupException;
import dev.safeupdater.registry.helm.ChartVersion;
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
 * {@code index.yaml}). Helm release assets carry these locations as their image.
 */
public final class TagService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TagService.class);
    /** The most tags {@link #tags} describes in one call. */
    public static final int MAX_LIMIT = 10_000;

    private final Registry registry;
    private final ChartVersionLookup chartIndex;
    private final ImageTagStore store;
    private final Clock clock;
    /** Listings recorded at the same time, at most. */
    private final java.util.concurrent.Semaphore recording = new java.util.concurrent.Semaphore(4);
    /** Image → when the listing recorded last was fetched: a listing the registry cache serves again is not rewritten. */
    private final Map<String, Instant> recordedFetch = new java.util.concurrent.ConcurrentHashMap<>();
    /** Tag details recorded already (image, tag, digest, release time and its source). */
    private final java.util.Set<String> recordedDetails = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_REMEMBERED = 500_000;

    /**
     * {@code store} may be null (nothing recorded, no stored fallback); {@code chartIndex} (HTTP chart repositories)
     * may be null, and then http(s) chart locations are refused.
     */
    public TagService(Registry registry, ChartVersionLookup chartIndex, ImageTagStore store, Clock clock) {
        this.registry = registry;
        this.chartIndex = chartIndex;
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
     * and release time. Never throws for registry failures: the report says stale and why.
     */
    public TagReport tags(String image, int limit) {
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new InvalidInputException(List.of(new FieldError("limit", "must be between 0 (all) and " + MAX_LIMIT)));
        }
        if (isHttpChart(image)) {
            return chartTags(chartLocation("image", image), limit);
        }
        ImageReference ref = reference("image", image);
        Lookup lookup = lookup(ref);
        List<TagVersion> sorted = TagSet.of(lookup.tags()).newestFirst();
        List<TagVersion> shown = limit == 0 || sorted.size() <= limit ? sorted : sorted.subList(0, limit);
        List<TagEntry> entries = new ArrayList<>(shown.size());
        List<ImageTagStore.TagDetail> details = new ArrayList<>();
        if (lookup.error() == null || !lookup.tags().isEmpty()) {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<TagEntry>> futures = new ArrayList<>();
                for (TagVersion v : shown) {
                    futures.add(pool.submit(() -> describe(ref, v)));
                }
                for (Future<TagEntry> f : futures) {
                    entries.add(join(f));
                }
            }
        }
        for (TagEntry e : entries) {
            if (e.digest() != null) {
                details.add(new ImageTagStore.TagDetail(e.tag(), e.digest(), e.releaseTime(), e.releaseTimeSource()));
            }
        }
        record(ref, lookup, details);
        return new TagReport(ref.name(), sorted.size(), entries, lookup.fetchedAt(), lookup.fromCache(),
                lookup.stale(), lookup.error());
    }

    private TagEntry describe(ImageReference ref, TagVersion v) {
        try {
            Registry.TagInfo info = registry.describe(ref, v.tag(), true);
            ReleaseTime r = info.release();
            return new TagEntry(v.tag(), v.isVersion(), info.digest(), r == null ? null : r.time(),
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
        if (isHttpChart(image)) {
            ChartLocation chart = chartLocation("image", image);
            ChartLookup lookup = chartLookup(chart);
            recordChart(chart, lookup);
            return new Available(name(chart), lookup.versions().stream().map(ChartVersion::version).toList(),
                    lookup.error() != null, lookup.error(), lookup.fetchedAt());
        }
        ImageReference ref = reference("image", image);
        Lookup lookup = lookup(ref);
        record(ref, lookup, List.of());
        return new Available(ref.name(), lookup.tags(), lookup.stale(), lookup.error(), lookup.fetchedAt());
    }

    // ---- discovery for scans -----------------------------------------------------------------------------------

    /** One asset's question: which candidates does its image offer for its current tag? */
    public record DiscoveryRequest(String image, String currentTag, String currentDigest, boolean allowPrerelease) {
    }

    /** A candidate with what it points to and when that was released. */
    public record CandidateInfo(String tag, ChangeType changeType, String digest, Instant releaseTime,
                                ReleaseTimeSource releaseTimeSource, String error) {
    }

    /**
     * The answer for one request: the image's canonical name, the parsed current tag, the digest the current tag
     * points to now (and whether it moved away from the running digest), the candidates per class, and whether the
     * data is stale (with the error).
     */
    public record Discovery(DiscoveryRequest request, String image, ParsedTag current, String currentTagDigest,
                            boolean digestMoved, Map<String, CandidateInfo> candidates, int tagCount, boolean stale,
                            String error) {
    }

    /**
     * Answers every request; each distinct image is looked up once, images in parallel. Never throws for registry
     * failures or bad references: those come back as results with an error.
     */
    public List<Discovery> discover(List<DiscoveryRequest> requests) {
        Map<String, List<Integer>> byImage = new LinkedHashMap<>();
        Map<String, ImageReference> refs = new LinkedHashMap<>();
        Map<String, List<Integer>> charts = new LinkedHashMap<>();
        Discovery[] out = new Discovery[requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            DiscoveryRequest r = requests.get(i);
            if (isHttpChart(r.image())) {
                charts.computeIfAbsent(r.image().strip(), k -> new ArrayList<>()).add(i);
                continue;
            }
            try {
                ImageReference ref = ImageReference.parse(withoutOciScheme(r.image()));
                refs.putIfAbsent(ref.name(), ref.repositoryOnly());
                byImage.computeIfAbsent(ref.name(), k -> new ArrayList<>()).add(i);
            } catch (IllegalArgumentException e) {
                out[i] = new Discovery(r, r.image(), ParsedTag.of(TagVersion.parse(r.currentTag())), null, false,
                        Map.of(), 0, true, "invalid image reference: " + e.getMessage());
            }
        }
        Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap(); // e.g. the cycle_id of a cycle's log lines
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (var e : byImage.entrySet()) {
                futures.add(pool.submit(withMdc(mdc, () -> discoverImage(refs.get(e.getKey()), e.getValue(),
                        requests, out))));
            }
            for (var e : charts.entrySet()) {
                futures.add(pool.submit(withMdc(mdc, () -> discoverChart(e.getKey(), e.getValue(), requests,
                        out))));
            }
            for (Future<?> f : futures) {
                join(f);
            }
        }
        return List.of(out);
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

    private void discoverImage(ImageReference ref, List<Integer> indexes, List<DiscoveryRequest> requests,
                               Discovery[] out) {
        Lookup lookup;
        try {
            lookup = lookup(ref);
        } catch (RuntimeException e) { // a bug must not take the other images down
            LOG.atError().setCause(e).addKeyValue("event", "discovery_failed").addKeyValue("image", ref.name())
                    .log("discovery for {} failed", ref.name());
            for (int i : indexes) {
                out[i] = new Discovery(requests.get(i), ref.name(), null, null, false, Map.of(), 0, true,
                        "internal error: " + e.getClass().getSimpleName());
            }
            return;
        }
        TagSet set = TagSet.of(lookup.tags());
        java.util.Set<String> present = new java.util.HashSet<>(lookup.tags());
        Map<String, ImageTagStore.TagDetail> details = new LinkedHashMap<>();
        for (int i : indexes) {
            DiscoveryRequest r = requests.get(i);
            TagVersion current = TagVersion.parse(r.currentTag());
            Selection s = CandidateSelector.select(current, set, r.allowPrerelease());
            Map<String, CandidateInfo> candidates = new LinkedHashMap<>();
            String firstError = lookup.error();
            for (ChangeClass c : ChangeClass.values()) {
                TagVersion t = s.candidate(c);
                if (t == null) {
                    continue;
                }
                CandidateInfo info = candidate(ref, t.tag(), c.changeType(), details);
                candidates.put(c.key(), info);
            }
            String currentDigest = null;
            boolean moved = false;
            if (lookup.error() == null && present.contains(r.currentTag())) {
                try {
                    currentDigest = registry.digest(ref, r.currentTag()).digest();
                    details.putIfAbsent(r.currentTag(), new ImageTagStore.TagDetail(r.currentTag(), currentDigest,
                            null, null));
                    moved = r.currentDigest() != null && currentDigest != null
                            && ChangeClassifier.classify(r.currentTag(), r.currentDigest(), r.currentTag(),
                            currentDigest) == ChangeType.DIGEST;
                } catch (RegistryException e) {
                    if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                        firstError = firstError == null ? e.getMessage() : firstError;
                    }
                }
            }
            out[i] = new Discovery(r, ref.name(), ParsedTag.of(current), currentDigest, moved, candidates,
                    set.size(), lookup.stale() || firstError != null, firstError);
        }
        record(ref, lookup, List.copyOf(details.values()));
    }

    private CandidateInfo candidate(ImageReference ref, String tag, ChangeType type,
                                    Map<String, ImageTagStore.TagDetail> details) {
        try {
            Registry.TagInfo info = registry.describe(ref, tag, true);
            ReleaseTime r = info.release();
            ReleaseTimeSource source = r == null ? ReleaseTimeSource.UNKNOWN : r.source();
            details.put(tag, new ImageTagStore.TagDetail(tag, info.digest(), r == null ? null : r.time(), source));
            return new CandidateInfo(tag, type, info.digest(), r == null ? null : r.time(), source, null);
        } catch (RegistryException e) {
            return new CandidateInfo(tag, type, null, null, ReleaseTimeSource.UNKNOWN, e.getMessage());
        }
    }

    // ---- lookups, fallbacks, recording -------------------------------------------------------------------------

    private record Lookup(List<String> tags, Instant fetchedAt, boolean fromCache, boolean stale, String error,
                          boolean fromStore) {
    }

    /** The registry's tags; on failure the cached or stored list marked stale, or none with the error. */
    private Lookup lookup(ImageReference ref) {
        try {
            Registry.Tags t = registry.tags(ref);
            return new Lookup(t.tags(), t.fetchedAt(), t.fromCache(), t.stale(), t.error(), false);
        } catch (RegistryException e) {
            if (store != null) {
                try {
                    List<ImageTagStore.TagRow> rows = store.tags(ref.name());
                    if (!rows.isEmpty()) {
                        Instant last = rows.stream().map(ImageTagStore.TagRow::lastChecked).max(Instant::compareTo)
                                .orElse(null);
                        return new Lookup(rows.stream().map(ImageTagStore.TagRow::tag).toList(), last, true, true,
                                e.getMessage(), true);
                    }
                } catch (RuntimeException storeFailure) {
                    LOG.atWarn().addKeyValue("event", "stored_tags_unavailable").addKeyValue("image", ref.name())
                            .log("cannot read stored tags of {}: {}", ref.name(), storeFailure.getMessage());
                }
            }
            return new Lookup(List.of(), null, false, true, e.getMessage(), false);
        }
    }

    private void record(ImageReference ref, Lookup lookup, List<ImageTagStore.TagDetail> details) {
        if (store == null) {
            return;
        }
        if (lookup.error() == null && !lookup.fromStore() && lookup.fetchedAt() != null
                && lookup.fetchedAt().equals(recordedFetch.get(ref.name()))
                && details.stream().allMatch(d -> recordedDetails.contains(detailKey(ref, d)))) {
            return; // this very listing (the registry cache answered) and these details are stored already
        }
        // discovery looks hundreds of images up at once: a few writers at a time, not one per image, so the
        // connection pool is not exhausted (and no listing goes unrecorded)
        recording.acquireUninterruptibly();
        try {
            Instant now = clock.instant();
            if (lookup.error() != null) {
                recordedFetch.remove(ref.name());
                store.recordFailure(ref.name(), lookup.error(), now);
            } else if (!lookup.fromStore()) {
                store.recordListing(ref.name(), lookup.tags(), details, now);
                if (recordedDetails.size() > MAX_REMEMBERED) {
                    recordedDetails.clear();
                    recordedFetch.clear();
                }
                if (lookup.fetchedAt() != null) {
                    recordedFetch.put(ref.name(), lookup.fetchedAt());
                }
                details.forEach(d -> recordedDetails.add(detailKey(ref, d)));
            }
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("event", "tag_record_failed").addKeyValue("image", ref.name())
                    .log("cannot record tags of {}: {}", ref.name(), e.getMessage());
        } finally {
            recording.release();
        }
    }

    private static String detailKey(ImageReference ref, ImageTagStore.TagDetail d) {
        return ref.name() + "\u0000" + d.tag() + "\u0000" + d.digest() + "\u0000" + d.releaseTime() + "\u0000"
                + d.releaseTimeSource();
    }

    private static ImageReference reference(String field, String image) {
        if (image == null || image.isBlank()) {
            throw new InvalidInputException(List.of(new FieldError(field, "is required")));
        }
        try {
            return ImageReference.parse(withoutOciScheme(image));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(List.of(new FieldError(field, e.getMessage())));
        }
    }

    /**
     * The name listings of {@code image} are recorded under (the {@code image} column of {@code image_tag}): the
     * canonical repository for images and OCI charts ({@code nginx} → {@code docker.io/library/nginx}), the location
     * for charts in HTTP repositories. Unreadable references are returned as given.
     */
    public static String storageName(String image) {
        if (isHttpChart(image)) {
            try {
                return name(ChartLocation.parse(image));
            } catch (IllegalArgumentException e) {
                return image;
            }
        }
        try {
            return ImageReference.parse(withoutOciScheme(image)).name();
        } catch (IllegalArgumentException e) {
            return image;
        }
    }

    /** {@code oci://host/path/chart} is the OCI repository {@code host/path/chart}. */
    private static String withoutOciScheme(String image) {
        String s = image.strip();
        return s.startsWith("oci://") ? s.substring("oci://".length()) : s;
    }

    // ---- charts in HTTP repositories (index.yaml) -------------------------------------------------------------

    private static boolean isHttpChart(String image) {
        String s = image == null ? "" : image.strip();
        return s.startsWith("https://") || s.startsWith("http://");
    }

    private static ChartLocation chartLocation(String field, String image) {
        try {
            return ChartLocation.parse(image);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(List.of(new FieldError(field, e.getMessage())));
        }
    }

    /** The name a chart's listing is stored under: {@code https://repo/path/chart}. */
    private static String name(ChartLocation chart) {
        return chart.repository() + "/" + chart.chart();
    }

    private record ChartLookup(List<ChartVersion> versions, Instant fetchedAt, String error) {
        Map<String, ChartVersion> byVersion() {
            Map<String, ChartVersion> m = new LinkedHashMap<>();
            versions.forEach(v -> m.putIfAbsent(v.version(), v));
            return m;
        }
    }

    /** The versions an index publishes; a failure is the error, with the stored listing when there is one. */
    private ChartLookup chartLookup(ChartLocation chart) {
        if (chartIndex == null) {
            return new ChartLookup(List.of(), null, "HTTP chart repositories are not configured");
        }
        try {
            return new ChartLookup(chartIndex.versions(chart), clock.instant(), null);
        } catch (ChartLookupException e) {
            if (store != null) {
                try {
                    List<ImageTagStore.TagRow> rows = store.tags(name(chart));
                    if (!rows.isEmpty()) {
                        return new ChartLookup(rows.stream().map(r -> new ChartVersion(r.tag(), null, r.releaseTime(),
                                null, false, List.of())).toList(), null, e.getMessage());
                    }
                } catch (RuntimeException storeFailure) {
                    LOG.atWarn().addKeyValue("event", "stored_tags_unavailable").addKeyValue("image", name(chart))
                            .log("cannot read stored versions of {}: {}", name(chart), storeFailure.getMessage());
                }
            }
            return new ChartLookup(List.of(), null, e.getMessage());
        }
    }

    private TagReport chartTags(ChartLocation chart, int limit) {
        ChartLookup lookup = chartLookup(chart);
        Map<String, ChartVersion> byVersion = lookup.byVersion();
        List<TagVersion> sorted = TagSet.of(List.copyOf(byVersion.keySet())).newestFirst();
        List<TagVersion> shown = limit == 0 || sorted.size() <= limit ? sorted : sorted.subList(0, limit);
        List<TagEntry> entries = new ArrayList<>(shown.size());
        for (TagVersion v : shown) {
            ChartVersion cv = byVersion.get(v.tag());
            entries.add(new TagEntry(v.tag(), v.isVersion(), archiveDigest(cv), cv.created(),
                    cv.created() == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.REGISTRY, null));
        }
        recordChart(chart, lookup);
        return new TagReport(name(chart), sorted.size(), entries, lookup.fetchedAt(), false, lookup.error() != null,
                lookup.error());
    }

    private void discoverChart(String image, List<Integer> indexes, List<DiscoveryRequest> requests,
                               Discovery[] out) {
        ChartLocation chart;
        try {
            chart = ChartLocation.parse(image);
        } catch (IllegalArgumentException e) {
            for (int i : indexes) {
                DiscoveryRequest r = requests.get(i);
                out[i] = new Discovery(r, image, ParsedTag.of(TagVersion.parse(r.currentTag())), null, false,
                        Map.of(), 0, true, "invalid chart location: " + e.getMessage());
            }
            return;
        }
        ChartLookup lookup = chartLookup(chart);
        Map<String, ChartVersion> byVersion = lookup.byVersion();
        TagSet set = TagSet.of(List.copyOf(byVersion.keySet()));
        for (int i : indexes) {
            DiscoveryRequest r = requests.get(i);
            TagVersion current = TagVersion.parse(r.currentTag());
            Selection s = CandidateSelector.select(current, set, r.allowPrerelease());
            Map<String, CandidateInfo> candidates = new LinkedHashMap<>();
            for (ChangeClass c : ChangeClass.values()) {
                TagVersion t = s.candidate(c);
                if (t != null) {
                    ChartVersion cv = byVersion.get(t.tag());
                    candidates.put(c.key(), new CandidateInfo(t.tag(), c.changeType(), archiveDigest(cv), cv.created(),
                            cv.created() == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.REGISTRY, null));
                }
            }
            out[i] = new Discovery(r, name(chart), ParsedTag.of(current), null, false, candidates, set.size(),
                    lookup.error() != null, lookup.error());
        }
        recordChart(chart, lookup);
    }

    /** An index's chart digest is the archive's SHA-256 in hex; written like every other digest here. */
    private static String archiveDigest(ChartVersion v) {
        String d = v.digest();
        if (d == null || d.isBlank()) {
            return null;
        }
        return d.matches("[0-9a-fA-F]{64}") ? "sha256:" + d.toLowerCase(java.util.Locale.ROOT) : d;
    }

    private void recordChart(ChartLocation chart, ChartLookup lookup) {
        if (store == null) {
            return;
        }
        try {
            Instant now = clock.instant();
            if (lookup.error() != null) {
                store.recordFailure(name(chart), lookup.error(), now);
            } else {
                List<ImageTagStore.TagDetail> details = lookup.versions().stream()
                        .map(v -> new ImageTagStore.TagDetail(v.version(), archiveDigest(v), v.created(),
                                v.created() == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.REGISTRY))
                        .toList();
                store.recordListing(name(chart), List.copyOf(lookup.byVersion().keySet()), details, now);
            }
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("event", "tag_record_failed").addKeyValue("image", name(chart))
                    .log("cannot record versions of {}: {}", name(chart), e.getMessage());
        }
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
