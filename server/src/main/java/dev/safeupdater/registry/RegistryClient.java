package dev.safeupdater.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.ReleaseTimeSource;

/**
 * The OCI distribution API v2, without caching: tag lists (streamed, following {@code Link} pages), manifest
 * digests (HEAD with the full Accept list), manifests (verified against their digest), release times (image config
 * {@code created} of the platform's manifest, or the {@code org.opencontainers.image.created} annotation).
 * See {@link Registry} for the cached, deduplicated front that scans use.
 */
public final class RegistryClient implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();
    private static final int MAX_MANIFEST = 4 * 1024 * 1024;
    private static final int MAX_CONFIG = 8 * 1024 * 1024;
    private static final int MAX_TAG_BYTES = 256; // a tag is at most 128 characters, JSON-quoted
    private static final Instant EARLIEST_TRUSTED = Instant.parse("1980-01-02T00:00:00Z");
    private static final String CREATED_ANNOTATION = "org.opencontainers.image.created";

    private final RegistryOptions options;
    private final RegistryHttp http;

    public RegistryClient(RegistryOptions options) {
        this(options, nanos -> Thread.sleep(java.time.Duration.ofNanos(nanos)), System::nanoTime);
    }

    RegistryClient(RegistryOptions options, HostGate.Sleeper sleeper, LongSupplier nanoTime) {
        this.options = options;
        this.http = new RegistryHttp(options, sleeper, nanoTime);
    }

    public RegistryOptions options() {
        return options;
    }

    /** Requests sent so far, tokens included. */
    public long requests() {
        return http.requests();
    }

    /** Tokens fetched so far. */
    public long tokenFetches() {
        return http.authenticator().tokenFetches();
    }

    /** The most requests that were in flight at once to {@code registry}. */
    public int maxInFlight(String registry) {
        return http.gate(registry).maxInFlight();
    }

    /**
     * Authenticates requests for {@code image}'s repository with {@code credentials} (e.g. from the pull secrets of
     * the workloads running it) instead of the configured ones; null goes back to the configured ones.
     */
    public void useCredentials(ImageReference image, Credentials credentials) {
        http.authenticator().useCredentials(image.registry(), scope(image), credentials);
    }

    /** A tag list: the tags in registry order, the ETag of a one-page list, or "not modified". */
    public record TagList(List<String> tags, String etag, boolean notModified, int pages) {
    }

    /**
     * Lists every tag of {@code image}, page by page. With {@code ifNoneMatch} (an ETag of an earlier one-page
     * list) the registry may answer 304: then {@link TagList#notModified()} is true and no tags are read.
     */
    public TagList listTags(ImageReference image, String ifNoneMatch) {
        URI uri = URI.create(base(image) + "tags/list");
        List<String> tags = new ArrayList<>();
        Set<String> seenPages = new HashSet<>();
        String etag = null;
        int pages = 0;
        while (uri != null) {
            if (!seenPages.add(uri.toString())) {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, image.registry()
                        + " sent a tag page link that loops");
            }
            Map<String, String> headers = pages == 0 && ifNoneMatch != null
                    ? Map.of("Accept", "application/json", "If-None-Match", ifNoneMatch)
                    : Map.of("Accept", "application/json");
            final URI pageUri = uri;
            Page page = http.send(image.registry(), "GET", uri, headers, scope(image), null, List.of(200, 304),
                    response -> readPage(image, pageUri, response, tags));
            pages++;
            if (page.notModified()) {
                return new TagList(List.of(), ifNoneMatch, true, pages);
            }
            if (pages == 1) {
                etag = page.etag();
            }
            uri = page.next();
        }
        return new TagList(tags, pages == 1 ? etag : null, false, pages);
    }

    private record Page(URI next, String etag, boolean notModified) {
    }

    private Page readPage(ImageReference image, URI uri, RegistryHttp.Response response, List<String> tags)
            throws IOException {
        if (response.statusCode() == 304) {
            return new Page(null, null, true);
        }
        long remaining = (long) (options.maxTags() - tags.size() + 1) * MAX_TAG_BYTES + 4096;
        try (JsonParser p = JSON.createParser(new Bounded(response.body(), remaining))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, image.registry()
                        + " sent a tag list that is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("tags") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        if (tags.size() >= options.maxTags()) {
                            throw tooManyTags(image);
                        }
                        tags.add(p.getText());
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (Bounded.LimitException e) {
            throw tooManyTags(image);
        }
        String etag = response.headers().firstValue("ETag").orElse(null);
        URI next = nextLink(response.headers().allValues("Link"), uri);
        if (next != null && !java.util.Objects.equals(next.getRawAuthority(), uri.getRawAuthority())) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, image.registry()
                    + " sent a tag page link to another host");
        }
        return new Page(next, etag, false);
    }

    private RegistryException tooManyTags(ImageReference image) {
        return new RegistryException(RegistryException.Kind.TOO_LARGE, image.name() + " has more than "
                + options.maxTags() + " tags (registry.max-tags)");
    }

    /** The {@code rel="next"} target of RFC 8288 Link header values, resolved against {@code base}; or null. */
    static URI nextLink(List<String> values, URI base) {
        for (String value : values) {
            for (String link : value.split(",(?=\\s*<)")) {
                int open = link.indexOf('<');
                int close = link.indexOf('>', open + 1);
                if (open < 0 || close < 0) {
                    continue;
                }
                String params = link.substring(close + 1).toLowerCase(java.util.Locale.ROOT).replace(" ", "");
                if (params.contains("rel=\"next\"") || params.contains("rel=next")) {
                    return base.resolve(link.substring(open + 1, close).strip());
                }
            }
        }
        return null;
    }

    /** A manifest's digest and media type, as HEAD answers them. */
    public record ManifestRef(String digest, String mediaType) {
    }

    /**
     * The digest {@code reference} (a tag or digest) points to: HEAD with the full Accept list (Docker Hub does not
     * count HEAD as a pull); when the registry sends no {@code Docker-Content-Digest}, a GET and the body's SHA-256.
     */
    public ManifestRef head(ImageReference image, String reference) {
        URI uri = URI.create(base(image) + "manifests/" + reference);
        ManifestRef ref = http.send(image.registry(), "HEAD", uri, Map.of("Accept", MediaTypes.ACCEPT), scope(image),
                null, List.of(200), r -> new ManifestRef(r.headers().firstValue("Docker-Content-Digest").orElse(null),
                        mediaType(r)));
        if (ref.digest() != null) {
            return ref;
        }
        Manifest m = manifest(image, reference);
        return new ManifestRef(m.digest(), m.mediaType());
    }

    /** A manifest as fetched: its bytes, media type, digest (verified) and JSON. */
    public record Manifest(String digest, String mediaType, JsonNode json) {
    }

    /** Fetches the manifest {@code reference} points to and checks its digest. */
    public Manifest manifest(ImageReference image, String reference) {
        URI uri = URI.create(base(image) + "manifests/" + reference);
        return http.send(image.registry(), "GET", uri, Map.of("Accept", MediaTypes.ACCEPT), scope(image), null,
                List.of(200), r -> {
                    byte[] body = readBounded(r.body(), MAX_MANIFEST, image, "manifest");
                    String computed = sha256(body);
                    String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
                    String expected = reference.startsWith("sha256:") ? reference : header;
                    if (expected != null && expected.startsWith("sha256:") && !expected.equals(computed)) {
                        throw new RegistryException(RegistryException.Kind.PROTOCOL, "the manifest " + image.name()
                                + ":" + reference + " does not match its digest");
                    }
                    JsonNode json = MAPPER.readTree(body);
                    String type = mediaType(r);
                    if ((type == null || type.equals("application/json")) && json.hasNonNull("mediaType")) {
                        type = json.get("mediaType").asText();
                    }
                    return new Manifest(expected != null ? expected : computed, type, json);
                });
    }

    /**
     * When the manifest {@code digest} of {@code image} was released: an index is resolved to the configured
     * platform's manifest; its config {@code created} is used when plausible (reproducible builds write 1970),
     * else the {@code org.opencontainers.image.created} annotation (Helm charts carry one).
     */
    public ReleaseTime releaseTime(ImageReference image, String digest) {
        return releaseTime(image, manifest(image, digest));
    }

    /** As {@link #releaseTime(ImageReference, String)}, from the manifest {@code m} already fetched. */
    public ReleaseTime releaseTime(ImageReference image, Manifest m) {
        String indexCreated = null;
        if (MediaTypes.isIndex(m.mediaType()) || m.json().has("manifests")) {
            indexCreated = m.json().path("annotations").path(CREATED_ANNOTATION).asText(null);
            String platformDigest = pickPlatform(m.json());
            if (platformDigest == null) {
                Instant annotated = plausible(indexCreated);
                return annotated != null ? new ReleaseTime(annotated, ReleaseTimeSource.REGISTRY, "index annotation")
                        : ReleaseTime.unknown("no manifest for " + options.platform() + " in the index");
            }
            m = manifest(image, platformDigest);
        }
        JsonNode config = m.json().path("config");
        String configType = config.path("mediaType").asText(null);
        String configDigest = config.path("digest").asText(null);
        if (configDigest != null && MediaTypes.isImageConfig(configType)) {
            JsonNode cfg = blobJson(image, configDigest);
            Instant created = plausible(cfg.path("created").asText(null));
            if (created != null) {
                return new ReleaseTime(created, ReleaseTimeSource.IMAGE_CONFIG, null);
            }
        }
        Instant annotated = plausible(m.json().path("annotations").path(CREATED_ANNOTATION).asText(null));
        if (annotated == null) {
            annotated = plausible(indexCreated);
        }
        if (annotated != null) {
            return new ReleaseTime(annotated, ReleaseTimeSource.REGISTRY, "manifest annotation " + CREATED_ANNOTATION);
        }
        return ReleaseTime.unknown("neither the image config nor the manifest says when it was created");
    }

    private String pickPlatform(JsonNode index) {
        Platform want = options.platform();
        List<String> images = new ArrayList<>();
        for (JsonNode entry : index.path("manifests")) {
            String os = entry.path("platform").path("os").asText("");
            String arch = entry.path("platform").path("architecture").asText("");
            boolean attestation = "attestation-manifest".equals(entry.path("annotations")
                    .path("vnd.docker.reference.type").asText(null)) || os.equals("unknown");
            if (attestation) {
                continue;
            }
            String d = entry.path("digest").asText(null);
            if (d == null) {
                continue;
            }
            if (want.matches(os, arch, entry.path("platform").path("variant").asText(null))) {
                return d;
            }
            images.add(d);
        }
        return images.size() == 1 && index.path("manifests").size() == 1 ? images.getFirst() : null;
    }

    private JsonNode blobJson(ImageReference image, String digest) {
        URI uri = URI.create(base(image) + "blobs/" + digest);
        return http.send(image.registry(), "GET", uri, Map.of(), scope(image), null, List.of(200), r -> {
            byte[] body = readBounded(r.body(), MAX_CONFIG, image, "image config");
            if (digest.startsWith("sha256:") && !digest.equals(sha256(body))) {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, "the blob " + digest + " of "
                        + image.name() + " does not match its digest");
            }
            return MAPPER.readTree(body);
        });
    }

    private static Instant plausible(String rfc3339) {
        if (rfc3339 == null || rfc3339.isBlank()) {
            return null;
        }
        try {
            Instant t = OffsetDateTime.parse(rfc3339.strip()).toInstant();
            return t.isBefore(EARLIEST_TRUSTED) ? null : t;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private String base(ImageReference image) {
        return http.baseUrl(image.registry(), image.apiHost()) + "/v2/" + image.repository() + "/";
    }

    private static String scope(ImageReference image) {
        return "repository:" + image.repository() + ":pull";
    }

    private static String mediaType(RegistryHttp.Response r) {
        return r.headers().firstValue("Content-Type").map(v -> {
            int semi = v.indexOf(';');
            return (semi < 0 ? v : v.substring(0, semi)).strip();
        }).orElse(null);
    }

    private static byte[] readBounded(InputStream in, int max, ImageReference image, String what) throws IOException {
        byte[] body = in.readNBytes(max + 1);
        if (body.length > max) {
            throw new RegistryException(RegistryException.Kind.TOO_LARGE, "the " + what + " of " + image.name()
                    + " is larger than " + max + " bytes");
        }
        return body;
    }

    static String sha256(byte[] body) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An input stream that fails once more than {@code limit} bytes were read. */
    private static final class Bounded extends FilterInputStream {
        static final class LimitException extends IOException {
            LimitException() {
                super("limit reached");
            }
        }

        private long remaining;

        Bounded(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                throw new LimitException();
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                throw new LimitException();
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
