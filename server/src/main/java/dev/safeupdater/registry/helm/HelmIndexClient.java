package dev.safeupdater.registry.helm;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Chart versions from an HTTP chart repository's {@code index.yaml}. The index is streamed and only the asked-for
 * chart's entries are kept (large public indexes hold tens of thousands of entries); answers are cached per
 * repository and chart and revalidated with {@code ETag}/{@code If-None-Match}. Optional basic-auth credentials per
 * repository URL.
 */
public final class HelmIndexClient implements ChartVersionLookup {
    /** Basic-auth credentials for a repository. {@link #toString()} hides the password. */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=***]";
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final HttpClient http;
    private final Duration timeout;
    private final long maxBytes;
    private final Function<String, Optional<Credentials>> credentials;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(String etag, List<ChartVersion> versions) {
    }

    /**
     * @param credentials repository URL → basic-auth credentials (empty: anonymous)
     * @param maxBytes larger indexes are refused (protects memory and time)
     */
    public HelmIndexClient(HttpClient http, Duration timeout, long maxBytes,
                           Function<String, Optional<Credentials>> credentials) {
        this.http = http;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.credentials = credentials;
    }

    /** Anonymous access, 30 s timeout, indexes up to 256 MiB. */
    public static HelmIndexClient create() {
        return new HelmIndexClient(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build(), Duration.ofSeconds(30), 256L << 20,
                url -> Optional.empty());
    }

    @Override
    public List<ChartVersion> versions(ChartLocation chart) throws ChartLookupException {
        if (chart.kind() != ChartLocation.Kind.HTTP) {
            throw new ChartLookupException(chart.repository() + " is not an HTTP chart repository");
        }
        String repo = chart.repository().endsWith("/") ? chart.repository() : chart.repository() + "/";
        URI index;
        try {
            index = URI.create(repo).resolve("index.yaml");
        } catch (IllegalArgumentException e) {
            throw new ChartLookupException("\"" + chart.repository() + "\" is not a valid repository URL");
        }
        String cacheKey = index + "#" + chart.chart();
        Cached cached = cache.get(cacheKey);
        HttpRequest.Builder req = HttpRequest.newBuilder(index).timeout(timeout).GET()
                .header("Accept", "application/x-yaml, text/yaml, */*");
        credentials.apply(chart.repository()).ifPresent(c -> req.header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString((c.username() + ":" + c.password())
                .getBytes(StandardCharsets.UTF_8))));
        if (cached != null && cached.etag() != null) {
            req.header("If-None-Match", cached.etag());
        }
        HttpResponse<InputStream> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ChartLookupException(index + ": cannot fetch: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChartLookupException(index + ": interrupted", e);
        }
        try (InputStream body = res.body()) {
            int status = res.statusCode();
            if (status == 304 && cached != null) {
                return cached.versions();
            }
            if (status == 401 || status == 403) {
                throw new ChartLookupException(index + ": access refused (HTTP " + status + ")");
            }
            if (status == 404) {
                throw new ChartLookupException(index + ": not found (HTTP 404); is " + chart.repository()
                        + " a chart repository?");
            }
            if (status / 100 != 2) {
                throw new ChartLookupException(index + ": HTTP " + status);
            }
            long declared = res.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBytes) {
                throw new ChartLookupException(index + ": larger than " + maxBytes + " bytes");
            }
            List<ChartVersion> versions = parse(new Limited(body, maxBytes, index), chart.chart(),
                    URI.create(repo), index);
            cache.put(cacheKey, new Cached(res.headers().firstValue("ETag").orElse(null), versions));
            return versions;
        } catch (IOException e) {
            throw new ChartLookupException(index + ": " + e.getMessage(), e);
        }
    }

    /** Streams the index and returns the entries of {@code chart}. */
    static List<ChartVersion> parse(InputStream in, String chart, URI repo, URI index)
            throws IOException, ChartLookupException {
        try (JsonParser p = YAML.getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ChartLookupException(index + ": not a Helm repository index");
            }
            boolean sawEntries = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!field.equals("entries") || t != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                sawEntries = true;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken list = p.nextToken();
                    if (!name.equals(chart) || list != JsonToken.START_ARRAY) {
                        p.skipChildren();
                        continue;
                    }
                    List<ChartVersion> out = new ArrayList<>();
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode e = YAML.readTree(p);
                        String version = e.path("version").asText("");
                        if (!version.isEmpty()) {
                            out.add(new ChartVersion(version, text(e, "appVersion"), time(e.path("created")),
                                    text(e, "digest"), e.path("deprecated").asBoolean(false), urls(e, repo)));
                        }
                    }
                    return out;
                }
            }
            if (!sawEntries) {
                throw new ChartLookupException(index + ": not a Helm repository index (no entries)");
            }
            throw new ChartLookupException(index + ": has no chart named \"" + chart + "\"");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ChartLookupException(index + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static List<String> urls(JsonNode e, URI repo) {
        List<String> urls = new ArrayList<>();
        for (JsonNode u : e.path("urls")) {
            String s = u.asText("");
            if (!s.isEmpty()) {
                try {
                    urls.add(repo.resolve(s).toString());
                } catch (IllegalArgumentException ex) {
                    urls.add(s);
                }
            }
        }
        return urls;
    }

    private static Instant time(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(n.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Fails reading once more than {@code max} bytes came through. */
    private static final class Limited extends FilterInputStream {
        private final long max;
        private final URI index;
        private long read;

        Limited(InputStream in, long max, URI index) {
            super(in);
            this.max = max;
            this.index = index;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > max) {
                throw new IOException(index + " is larger than " + max + " bytes");
            }
        }
    }
}
