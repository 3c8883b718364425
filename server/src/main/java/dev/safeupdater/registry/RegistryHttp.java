package dev.safeupdater.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends requests to registries: HTTP/1.1 (plain HTTP, or TLS with an extra CA per registry), politeness gate
 * (concurrency + token bucket), authentication (through {@link Authenticator}), retries (429 with Retry-After,
 * exponential backoff with jitter on 5xx, 408 and network errors), and redirects followed by hand so that the
 * Authorization header never goes to another host. Nothing it logs or throws contains a credential.
 *
 * <p>Requests are blocking {@link HttpURLConnection} exchanges on the caller's (virtual) thread, over the JDK's
 * keep-alive connection cache. The JDK's asynchronous {@code java.net.http.HttpClient}, used before, hands every
 * exchange between the caller, its selector thread and its executor: 5,000 registry requests cost about 2.5-2.9 CPU
 * seconds with it in a fresh JVM and 1.05-1.14 s this way (docs/cycle.md#cost). The keep-alive cache keeps
 * {@code http.maxConnections} idle connections per host (5 by default); unless that property is set, it is raised to
 * the largest {@code maxConcurrent} (defaults included), so that every concurrent request's connection is reused.
 */
final class RegistryHttp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttp.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String USER_AGENT = "safe-updater/0.1";
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /** Reads a successful response (the body stream is closed afterwards). */
    interface Reader<T> {
        T read(Response response) throws IOException;
    }

    /** A registry's answer: status, headers (names case-insensitive) and body (empty when there is none). */
    record Response(int statusCode, HttpHeaders headers, InputStream body) {
    }

    private final RegistryOptions options;
    private final HostGate.Sleeper sleeper;
    private final LongSupplier nanoTime;
    /** The socket factory of each registry with its own CA file. */
    private final Map<String, SSLSocketFactory> sockets = new ConcurrentHashMap<>();
    private final Map<String, HostGate> gates = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    /** safe_updater_registry_requests_total's counters, by registry and status. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Authenticator authenticator;

    RegistryHttp(RegistryOptions options, HostGate.Sleeper sleeper, LongSupplier nanoTime) {
        this.options = options;
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
        this.authenticator = new Authenticator(options, this);
        declareMetrics(options);
        if (System.getProperty("http.maxConnections") == null) { // read by the JDK at its first keep-alive use
            System.setProperty("http.maxConnections", Integer.toString(Math.max(5, options.maxConcurrent())));
        }
    }

    /**
     * {@code safe_updater_registry_requests_total} at 0 from the start for Docker Hub (where an image without a
     * registry lives) and every configured registry, with status 200 and error (no answer), so rates and alerts work
     * before the first lookup; other statuses appear when a registry first answers with them.
     */
    private static void declareMetrics(RegistryOptions options) {
        java.util.Set<String> registries = new java.util.TreeSet<>(options.configuredRegistries());
        registries.add(dev.safeupdater.model.ImageReference.DOCKER_HUB);
        for (String registry : registries) {
            counter(registry, "200");
            counter(registry, "error");
        }
    }

    /** Requests sent so far (every attempt, redirect and token request counts). */
    long requests() {
        return requests.get();
    }

    Authenticator authenticator() {
        return authenticator;
    }

    HostGate gate(String registry) {
        return gates.computeIfAbsent(registry, r -> new HostGate(options.host(r), sleeper, nanoTime));
    }

    /** {@code https://host/} or {@code http://host/} for a registry's API host. */
    String baseUrl(String registry, String apiHost) {
        return (options.host(registry).insecure() ? "http://" : "https://") + apiHost;
    }

    /**
     * Sends {@code method uri} for {@code registry}, authenticating for {@code scope} when {@code scope} is not
     * null, and hands a response with a status in {@code ok} to {@code reader}. Everything else becomes a
     * {@link RegistryException}.
     */
    <T> T send(String registry, String method, URI uri, Map<String, String> headers, String scope,
               byte[] body, List<Integer> ok, Reader<T> reader) {
        HostGate gate = gate(registry);
        URI current = uri;
        String originalAuthority = uri.getRawAuthority();
        int attempt = 0;
        int redirects = 0;
        boolean authRetried = false;
        long sleepNanos = 0;
        while (true) {
            if (sleepNanos > 0) {
                sleepQuietly(sleepNanos); // backoff happens outside the gate, so other requests may go meanwhile
                sleepNanos = 0;
            }
            boolean sameHost = Objects.equals(current.getRawAuthority(), originalAuthority);
            try {
                gate.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "interrupted while waiting for "
                        + registry);
            }
            Response response = null;
            String authorization = null;
            try {
                Map<String, String> all = new LinkedHashMap<>(headers);
                all.put("User-Agent", USER_AGENT);
                if (scope != null && sameHost) {
                    authorization = authenticator.authorization(registry, scope);
                    if (authorization != null) {
                        all.put("Authorization", authorization);
                    }
                }
                requests.incrementAndGet();
                try {
                    response = exchange(registry, method, current, all, body);
                } catch (SocketTimeoutException | ConnectException e) {
                    count(registry, "error");
                    if (attempt >= options.retries()) {
                        throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "cannot reach " + registry
                                + " (" + describe(e) + ") after " + (attempt + 1) + " attempts", e);
                    }
                    sleepNanos = Backoff.delayNanos(attempt++, options.backoffBase(), options.backoffMax());
                    logRetry(registry, method, current, "network: " + describe(e), sleepNanos, attempt);
                    continue;
                } catch (SSLException e) {
                    count(registry, "error");
                    throw new RegistryException(RegistryException.Kind.TLS, "TLS with " + registry + " failed: "
                            + describe(e) + " (give the registry's CA certificate, or mark it insecure if it speaks"
                            + " plain HTTP)", e);
                } catch (IOException e) {
                    count(registry, "error");
                    if (Thread.currentThread().isInterrupted()) { // a virtual thread's socket closes when interrupted
                        throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "interrupted talking to "
                                + registry);
                    }
                    if (attempt >= options.retries()) {
                        throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "request to " + registry
                                + " failed (" + describe(e) + ") after " + (attempt + 1) + " attempts", e);
                    }
                    sleepNanos = Backoff.delayNanos(attempt++, options.backoffBase(), options.backoffMax());
                    logRetry(registry, method, current, "io: " + describe(e), sleepNanos, attempt);
                    continue;
                }
                int status = response.statusCode();
                count(registry, Integer.toString(status));
                if (ok.contains(status)) {
                    InputStream answer = response.body(); // the reader reads it; closed here whatever happens
                    try (answer) {
                        return reader.read(response);
                    } catch (IOException e) {
                        throw new RegistryException(RegistryException.Kind.PROTOCOL, "could not read the answer of "
                                + registry + " to " + method + " " + current.getPath() + ": " + describe(e), e);
                    }
                }
                ErrorBody error = readError(response);
                if (isRedirect(status)) {
                    String location = response.headers().firstValue("Location").orElse(null);
                    if (location == null || ++redirects > MAX_REDIRECTS) {
                        throw new RegistryException(RegistryException.Kind.PROTOCOL, registry + " sent "
                                + (location == null ? "a redirect without Location" : "too many redirects"));
                    }
                    current = current.resolve(location);
                    continue;
                }
                if (status == 401) {
                    List<String> challenges = response.headers().allValues("WWW-Authenticate");
                    if (!authRetried && scope != null && sameHost
                            && authenticator.onUnauthorized(registry, scope, challenges, authorization)) {
                        authRetried = true;
                        continue;
                    }
                    throw new RegistryException(RegistryException.Kind.UNAUTHORIZED,
                            authenticator.explain(registry, scope, authorization != null, error.text()));
                }
                if (status == 429) {
                    Duration retryAfter = Backoff.retryAfter(response.headers().firstValue("Retry-After").orElse(null),
                            options.clock().instant());
                    long wait = retryAfter != null ? retryAfter.toNanos()
                            : Backoff.delayNanos(attempt, options.backoffBase(), options.backoffMax());
                    if (attempt >= options.retries() || wait > options.maxRetryAfter().toNanos()) {
                        throw new RegistryException(RegistryException.Kind.RATE_LIMITED, registry
                                + " is rate limiting requests (429" + (retryAfter == null ? ""
                                : ", retry after " + retryAfter.toSeconds() + " s") + ")");
                    }
                    gate.pause(wait);
                    attempt++;
                    logRetry(registry, method, current, "429", wait, attempt);
                    continue; // the gate holds this and every other request until Retry-After has passed
                }
                if (status >= 500 || status == 408) {
                    if (attempt >= options.retries()) {
                        throw new RegistryException(RegistryException.Kind.UNAVAILABLE, registry + " answered "
                                + status + error.suffix() + " after " + (attempt + 1) + " attempts");
                    }
                    sleepNanos = Backoff.delayNanos(attempt++, options.backoffBase(), options.backoffMax());
                    logRetry(registry, method, current, Integer.toString(status), sleepNanos, attempt);
                    continue;
                }
                if (status == 404) {
                    throw new RegistryException(RegistryException.Kind.NOT_FOUND, registry + " has no "
                            + current.getPath() + error.suffix());
                }
                if (status == 403) {
                    throw new RegistryException(RegistryException.Kind.DENIED, registry + " denied access to "
                            + current.getPath() + error.suffix());
                }
                throw new RegistryException(RegistryException.Kind.PROTOCOL, registry + " answered " + status
                        + " to " + method + " " + current.getPath() + error.suffix());
            } finally {
                gate.release();
                if (response != null) {
                    closeQuietly(response.body());
                }
            }
        }
    }

    private void logRetry(String registry, String method, URI uri, String why, long sleepNanos, int attempt) {
        LOG.atInfo().addKeyValue("event", "registry_retry").addKeyValue("registry", registry)
                .addKeyValue("method", method).addKeyValue("path", uri.getPath()).addKeyValue("cause", why)
                .addKeyValue("attempt", attempt).addKeyValue("wait_ms", sleepNanos / 1_000_000)
                .log("retrying {} {} on {} ({}) in {} ms", method, uri.getPath(), registry, why, sleepNanos / 1_000_000);
    }

    private void sleepQuietly(long nanos) {
        try {
            sleeper.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "interrupted while backing off");
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** The registry's error code and message ({@code {"errors":[{"code","message"}]}}), never the raw body. */
    record ErrorBody(String code, String message) {
        String text() {
            return code == null ? null : code + (message == null ? "" : ": " + message);
        }

        String suffix() {
            return code == null ? "" : " (" + text() + ")";
        }
    }

    private static ErrorBody readError(Response response) {
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes(MAX_ERROR_BODY);
            if (bytes.length == 0) {
                return new ErrorBody(null, null);
            }
            JsonNode root = MAPPER.readTree(bytes);
            JsonNode first = root == null ? null : root.path("errors").path(0);
            if (first == null || first.isMissingNode()) {
                return new ErrorBody(null, null);
            }
            String code = first.path("code").asText(null);
            String message = first.path("message").asText(null);
            return new ErrorBody(safe(code), safe(message));
        } catch (IOException | RuntimeException e) {
            return new ErrorBody(null, null);
        }
    }

    private static String safe(String s) {
        if (s == null) {
            return null;
        }
        String t = s.replaceAll("[\\p{Cntrl}]", " ");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // nothing to do
        }
    }

    /** Counts a request; its counter is looked up in the meter registry once (a lookup per request showed in profiles). */
    private void count(String registry, String status) {
        counters.computeIfAbsent(registry + " " + status, k -> counter(registry, status)).increment();
    }

    private static Counter counter(String registry, String status) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_registry_requests")
                .description("Requests sent to registries, by registry and HTTP status (error: no answer)")
                .tags(List.of(Tag.create("registry", registry), Tag.create("status", status))));
    }

    /**
     * One exchange: sends the request (with a body when {@code body} is not null) and returns the status, headers and
     * body stream (the error stream for statuses of 400 and up). Redirects and authentication are left to the caller.
     */
    private Response exchange(String registry, String method, URI uri, Map<String, String> headers, byte[] body)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        if (c instanceof HttpsURLConnection https) {
            SSLSocketFactory factory = socketFactory(registry);
            if (factory != null) {
                https.setSSLSocketFactory(factory);
            }
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis());
        c.setConnectTimeout(timeout);
        c.setReadTimeout(timeout);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestMethod(method);
        headers.forEach(c::setRequestProperty);
        if (body != null) { // buffered, not streamed: a 401 to a streamed request cannot be read
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        int status = c.getResponseCode();
        if (status < 0) {
            throw new IOException("not an HTTP answer");
        }
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; c.getHeaderField(i) != null; i++) { // 0: the status line
            String name = c.getHeaderFieldKey(i);
            if (name != null) {
                fields.computeIfAbsent(name, k -> new ArrayList<>()).add(c.getHeaderField(i));
            }
        }
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        return new Response(status, HttpHeaders.of(fields, (k, v) -> true),
                in == null ? InputStream.nullInputStream() : in);
    }

    /** The socket factory trusting the registry's CA file too; null for a registry without one. */
    private SSLSocketFactory socketFactory(String registry) {
        HostOptions h = options.host(registry);
        return h.caFile() == null ? null
                : sockets.computeIfAbsent(registry, r -> sslContext(r, h).getSocketFactory());
    }

    /** Trusts the JDK's CAs plus the certificates in the registry's CA file. */
    private static SSLContext sslContext(String registry, HostOptions h) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int i = 0;
            for (var tm : defaults.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        ks.setCertificateEntry("default-" + i++, c);
                    }
                }
            }
            byte[] pem = Files.readAllBytes(h.caFile());
            var certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (certs.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.CONFIGURATION, "no certificate in CA file "
                        + h.caFile() + " for " + registry);
            }
            for (Certificate c : certs) {
                ks.setCertificateEntry("registry-ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new RegistryException(RegistryException.Kind.CONFIGURATION, "cannot use CA file " + h.caFile()
                    + " for " + registry + ": " + describe(e), e);
        }
    }

    @Override
    public void close() {
        sockets.clear(); // idle connections stay in the JDK's keep-alive cache, which closes them after 5 s
    }
}
