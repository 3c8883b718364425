package dev.safeupdater.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.service.registry.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.safeupdater.model.ImageReference;

/**
 * What scans use: the registry client behind bounded caches. Tag lists are cached per repository for the TTL,
 * then revalidated with their ETag where the registry offers one; concurrent lookups of one repository share one
 * request. Tag digests are cached for the TTL (tags move); release times per digest for good (digests do not). When a
 * refresh fails and an older list is cached, that list is returned marked stale with the error.
 */
public final class Registry implements TagSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    /** The tags of one repository, and how fresh they are. */
    public record Tags(ImageReference image, List<String> tags, Instant fetchedAt, boolean fromCache, boolean stale,
                       String error) {
    }

    /** What a tag points to now, and when that was released. */
    public record TagInfo(String tag, String digest, String mediaType, ReleaseTime release) {
    }

    private record CachedTags(List<String> tags, String etag, Instant fetchedAt) {
    }

    private record CachedDigest(RegistryClient.ManifestRef ref, Instant fetchedAt) {
    }

    private final RegistryClient client;
    private final RegistryOptions options;
    private final Lru<String, CachedTags> tagCache;
    private final Lru<String, CachedDigest> digestCache;
    private final Lru<String, ReleaseTime> releaseCache;
    private final Map<String, CompletableFuture<Tags>> inFlight = new ConcurrentHashMap<>();
    /** safe_updater_registry_tag_cache's counters, by result (looked up once, as RegistryHttp's request counters). */
    private final Map<String, Counter> cacheCounters = new ConcurrentHashMap<>();

    public Registry(RegistryOptions options) {
        this(new RegistryClient(options));
    }

    public Registry(RegistryClient client) {
        this.client = client;
        this.options = client.options();
        this.tagCache = new Lru<>(options.cacheSize());
        this.digestCache = new Lru<>(options.cacheSize() * 10);
        this.releaseCache = new Lru<>(options.cacheSize() * 10);
    }

    public RegistryClient client() {
        return client;
    }

    /**
     * The tags of {@code image}'s repository. Throws {@link RegistryException} only when the registry fails and
     * nothing is cached; with a cached list the answer is that list, {@code stale} with the error.
     */
    public Tags tags(ImageReference image) {
        ImageReference repo = image.repositoryOnly();
        String key = repo.name();
        CachedTags cached = tagCache.get(key);
        Instant now = options.clock().instant();
        if (cached != null && fresh(cached.fetchedAt(), now)) {
            cacheCount("hit");
            return new Tags(repo, cached.tags(), cached.fetchedAt(), true, false, null);
        }
        CompletableFuture<Tags> mine = new CompletableFuture<>();
        CompletableFuture<Tags> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            cacheCount("shared");
            try {
                return running.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RegistryException re ? re : e;
            }
        }
        try {
            Tags result = refresh(repo, key, cached);
            mine.complete(result);
            return result;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private Tags refresh(ImageReference repo, String key, CachedTags cached) {
        try {
            RegistryClient.TagList list = client.listTags(repo, cached == null ? null : cached.etag());
            Instant now = options.clock().instant();
            if (list.notModified() && cached != null) {
                cacheCount("revalidated");
                CachedTags renewed = new CachedTags(cached.tags(), cached.etag(), now);
                tagCache.put(key, renewed);
                return new Tags(repo, renewed.tags(), now, true, false, null);
            }
            cacheCount("miss");
            CachedTags fresh = new CachedTags(List.copyOf(list.tags()), list.etag(), now);
            tagCache.put(key, fresh);
            return new Tags(repo, fresh.tags(), now, false, false, null);
        } catch (RegistryException e) {
            LOG.atWarn().addKeyValue("event", "registry_lookup_failed").addKeyValue("image", key)
                    .addKeyValue("kind", e.kind().name()).addKeyValue("error", e.getMessage())
                    .log("tag lookup for {} failed: {}", key, e.getMessage());
            if (cached != null) {
                return new Tags(repo, cached.tags(), cached.fetchedAt(), true, true, e.getMessage());
            }
            throw e;
        }
    }

    /** The digest {@code tag} of {@code image} points to, cached for the TTL. */
    public RegistryClient.ManifestRef digest(ImageReference image, String tag) {
        String key = digestKey(image, tag);
        Instant now = options.clock().instant();
        CachedDigest cached = digestCache.get(key);
        if (cached != null && fresh(cached.fetchedAt(), now)) {
            return cached.ref();
        }
        RegistryClient.ManifestRef ref = client.head(image.repositoryOnly(), tag);
        digestCache.put(key, new CachedDigest(ref, now));
        return ref;
    }

    /** The release time of manifest {@code digest}, cached for good. */
    public ReleaseTime releaseTime(ImageReference image, String digest) {
        return cachedRelease(digest, () -> client.releaseTime(image.repositoryOnly(), digest));
    }

    /** The cached release time of manifest {@code digest}, else what {@code fetch} answers, then cached for good. */
    private ReleaseTime cachedRelease(String digest, Supplier<ReleaseTime> fetch) {
        ReleaseTime cached = releaseCache.get(digest);
        if (cached != null) {
            return cached;
        }
        ReleaseTime t = fetch.get();
        releaseCache.put(digest, t);
        return t;
    }

    /**
     * Digest and (when asked) release time of one tag. With the release time asked and not known for the digest the
     * tag last pointed to (a tag never described, or one whose new digest was not yet looked up), the tag's manifest
     * is fetched once and answers both: a HEAD for the digest and then a GET of the manifest by digest would ask the
     * registry twice (and count as one pull on registries that count pulls, as the GET alone does). A tag whose
     * release time is known for its last digest is asked with a HEAD: an unchanged digest needs nothing more.
     */
    public TagInfo describe(ImageReference image, String tag, boolean withReleaseTime) {
        if (withReleaseTime && !releaseTimeKnown(image, tag)) {
            RegistryClient.Manifest m = client.manifest(image.repositoryOnly(), tag);
            digestCache.put(digestKey(image, tag), new CachedDigest(
                    new RegistryClient.ManifestRef(m.digest(), m.mediaType()), options.clock().instant()));
            ReleaseTime release = cachedRelease(m.digest(), () -> client.releaseTime(image.repositoryOnly(), m));
            return new TagInfo(tag, m.digest(), m.mediaType(), release);
        }
        RegistryClient.ManifestRef ref = digest(image, tag);
        ReleaseTime release = withReleaseTime && ref.digest() != null ? releaseTime(image, ref.digest()) : null;
        return new TagInfo(tag, ref.digest(), ref.mediaType(), release);
    }

    /** The digest cache's key of {@code tag} of {@code image}. */
    private static String digestKey(ImageReference image, String tag) {
        return image.name() + ":" + tag;
    }

    /** Whether the release time of the digest {@code tag} last pointed to (cached, fresh or not) is cached. */
    private boolean releaseTimeKnown(ImageReference image, String tag) {
        CachedDigest last = digestCache.get(digestKey(image, tag));
        return last != null && last.ref().digest() != null && releaseCache.get(last.ref().digest()) != null;
    }

    /**
     * Looks {@code image}'s repository up with {@code credentials} (e.g. from the pull secrets of the workloads that
     * run it) instead of the configured ones; null: the configured ones again.
     */
    public void useCredentials(ImageReference image, Credentials credentials) {
        client.useCredentials(image.repositoryOnly(), credentials);
    }

    // ---- TagSource: OCI repositories (images, and charts at oci:// locations) ---------------------------------------

    /** The repository {@code location} names; {@code oci://host/path/chart} is the repository {@code host/path/chart}. */
    public static ImageReference repository(String location) {
        String s = location == null ? "" : location.strip();
        return ImageReference.parse(s.startsWith("oci://") ? s.substring("oci://".length()) : s).repositoryOnly();
    }

    @Override
    public String name(String location) {
        return repository(location).name();
    }

    @Override
    public Listing list(String location) {
        Tags t = tags(repository(location));
        return new Listing(t.tags(), Map.of(), t.fetchedAt(), t.fromCache(), t.stale(), t.error());
    }

    @Override
    public Tag describe(String location, String tag, boolean withReleaseTime) {
        TagInfo info = describe(repository(location), tag, withReleaseTime);
        return new Tag(tag, info.digest(), info.release());
    }

    /** Forgets every cached answer (for tests and operators). */
    public void clearCache() {
        tagCache.clear();
        digestCache.clear();
        releaseCache.clear();
    }

    private boolean fresh(Instant fetchedAt, Instant now) {
        Duration ttl = options.cacheTtl();
        return !ttl.isZero() && now.isBefore(fetchedAt.plus(ttl));
    }

    private void cacheCount(String result) {
        cacheCounters.computeIfAbsent(result, Registry::cacheCounter).increment();
    }

    private static Counter cacheCounter(String result) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_registry_tag_cache")
                .description("Tag list lookups by cache result: hit, miss, revalidated (ETag), shared (in flight)")
                .tags(List.of(io.helidon.metrics.api.Tag.create("result", result))));
    }

    /** The cache counters at 0 for every result, so rates work before the first lookup. */
    public static void declareMetrics() {
        for (String result : List.of("hit", "miss", "revalidated", "shared")) {
            cacheCounter(result);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    /** A small synchronized LRU map. */
    private static final class Lru<K, V> {
        private final LinkedHashMap<K, V> map;

        Lru(int max) {
            this.map = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                    return size() > max;
                }
            };
        }

        synchronized V get(K k) {
            return map.get(k);
        }

        synchronized void put(K k, V v) {
            map.put(k, v);
        }

        synchronized void clear() {
            map.clear();
        }
    }
}
