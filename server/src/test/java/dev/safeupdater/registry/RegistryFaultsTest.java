package dev.safeupdater.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.safeupdater.model.ImageReference;

/** Faults a real registry cannot be made to produce, against a JDK HttpServer fake. */
class RegistryFaultsTest {
    private FakeRegistry fake;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeRegistry();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private RegistryOptions.Builder options() {
        return RegistryOptions.builder()
                .defaults(new HostOptions(false, null, 1000, 1000, 8))
                .insecure(Set.of(fake.host()))
                .backoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .timeout(Duration.ofSeconds(5));
    }

    private ImageReference image() {
        return ImageReference.parse(fake.host() + "/acme/app");
    }

    private static void tags(HttpExchange ex, String... tags) throws IOException {
        FakeRegistry.send(ex, 200, "{\"name\":\"acme/app\",\"tags\":[" + String.join(",",
                java.util.Arrays.stream(tags).map(t -> "\"" + t + "\"").toList()) + "]}");
    }

    @Test
    void a429WaitsForRetryAfterThenSucceeds() {
        fake.handler((ex, n) -> {
            if (n == 1) {
                ex.getResponseHeaders().set("Retry-After", "1");
                FakeRegistry.send(ex, 429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
            } else {
                tags(ex, "1.0", "1.1");
            }
        });
        try (RegistryClient client = new RegistryClient(options().build())) {
            assertEquals(List.of("1.0", "1.1"), client.listTags(image(), null).tags());
        }
        List<FakeRegistry.Request> r = fake.requests();
        assertEquals(2, r.size());
        long waitedMs = (r.get(1).nanoTime() - r.get(0).nanoTime()) / 1_000_000;
        assertTrue(waitedMs >= 950, "waited " + waitedMs + " ms for Retry-After: 1");
    }

    @Test
    void aRetryAfterLongerThanAllowedFailsAtOnceAsRateLimited() {
        fake.handler((ex, n) -> {
            ex.getResponseHeaders().set("Retry-After", "3600");
            FakeRegistry.send(ex, 429, "");
        });
        try (RegistryClient client = new RegistryClient(options().build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.listTags(image(), null));
            assertEquals(RegistryException.Kind.RATE_LIMITED, e.kind());
            assertTrue(e.getMessage().contains("retry after 3600 s"), e.getMessage());
        }
        assertEquals(1, fake.requests().size());
    }

    @Test
    void serverErrorsAreRetriedWithGrowingJitteredBackoff() {
        fake.handler((ex, n) -> {
            if (n <= 2) {
                FakeRegistry.send(ex, n == 1 ? 503 : 502, "");
            } else {
                tags(ex, "2.0");
            }
        });
        try (RegistryClient client = new RegistryClient(options().build())) {
            assertEquals(List.of("2.0"), client.listTags(image(), null).tags());
        }
        List<FakeRegistry.Request> r = fake.requests();
        assertEquals(3, r.size());
        assertTrue((r.get(1).nanoTime() - r.get(0).nanoTime()) >= 19_000_000, "first backoff >= base");
        assertTrue((r.get(2).nanoTime() - r.get(1).nanoTime()) >= 19_000_000, "second backoff >= base");
    }

    @Test
    void persistentServerErrorsGiveUpAfterTheRetries() {
        fake.handler((ex, n) -> FakeRegistry.send(ex, 500,
                "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"disk on fire\"}]}"));
        try (RegistryClient client = new RegistryClient(options().retries(2).build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.listTags(image(), null));
            assertEquals(RegistryException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("500 (UNKNOWN: disk on fire) after 3 attempts"), e.getMessage());
        }
        assertEquals(3, fake.requests().size());
    }

    @Test
    void timeoutsAreRetriedThenReported() {
        fake.handler((ex, n) -> {
            if (n == 1) {
                sleep(1500);
            }
            tags(ex, "3.0");
        });
        try (RegistryClient client = new RegistryClient(options().timeout(Duration.ofMillis(500)).build())) {
            assertEquals(List.of("3.0"), client.listTags(image(), null).tags());
        }
        fake.handler((ex, n) -> {
            sleep(1500);
            tags(ex, "3.0");
        });
        try (RegistryClient client = new RegistryClient(options().timeout(Duration.ofMillis(300)).retries(1).build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.listTags(image(), null));
            assertEquals(RegistryException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("after 2 attempts"), e.getMessage());
        }
    }

    @Test
    void tagListsFollowLinkPages() {
        fake.handler((ex, n) -> {
            String q = ex.getRequestURI().getRawQuery();
            if (q == null) {
                ex.getResponseHeaders().set("Link", "</v2/acme/app/tags/list?last=b&n=2>; rel=\"next\"");
                tags(ex, "a", "b");
            } else if (q.contains("last=b")) {
                ex.getResponseHeaders().set("Link", "<http://" + fake.host() + "/v2/acme/app/tags/list?last=d&n=2>; rel=\"next\"");
                tags(ex, "c", "d");
            } else {
                tags(ex, "e");
            }
        });
        try (RegistryClient client = new RegistryClient(options().build())) {
            RegistryClient.TagList list = client.listTags(image(), null);
            assertEquals(List.of("a", "b", "c", "d", "e"), list.tags());
            assertEquals(3, list.pages());
            assertNull(list.etag(), "no ETag for a paged list");
        }
    }

    @Test
    void aPageLinkToAnotherHostIsRefused() {
        fake.handler((ex, n) -> {
            ex.getResponseHeaders().set("Link", "<http://127.0.0.2:1/v2/acme/app/tags/list?last=a>; rel=\"next\"");
            tags(ex, "a");
        });
        try (RegistryClient client = new RegistryClient(options().build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.listTags(image(), null));
            assertEquals(RegistryException.Kind.PROTOCOL, e.kind());
        }
    }

    @Test
    void anExpiredCacheEntryIsRevalidatedWithItsEtag() {
        fake.handler((ex, n) -> {
            if ("\"v1\"".equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
                ex.getResponseHeaders().set("ETag", "\"v1\"");
                FakeRegistry.send(ex, 304, "");
            } else {
                ex.getResponseHeaders().set("ETag", "\"v1\"");
                tags(ex, "1.0", "1.1");
            }
        });
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (Registry reg = new Registry(options().clock(clock).cache(Duration.ofMinutes(5), 10).build())) {
            assertFalse(reg.tags(image()).fromCache());
            assertTrue(reg.tags(image()).fromCache());
            assertEquals(1, fake.requests().size(), "within the TTL no request");
            clock.advance(Duration.ofMinutes(6));
            Registry.Tags revalidated = reg.tags(image());
            assertTrue(revalidated.fromCache());
            assertEquals(List.of("1.0", "1.1"), revalidated.tags());
            assertEquals(2, fake.requests().size());
            assertEquals("\"v1\"", fake.requests().get(1).ifNoneMatch());
            assertTrue(reg.tags(image()).fromCache());
            assertEquals(2, fake.requests().size(), "revalidation renewed the entry");
        }
    }

    @Test
    void aFailedRefreshServesTheCachedListMarkedStale() {
        AtomicInteger mode = new AtomicInteger();
        fake.handler((ex, n) -> {
            if (mode.get() == 0) {
                tags(ex, "1.0");
            } else {
                FakeRegistry.send(ex, 503, "");
            }
        });
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (Registry reg = new Registry(options().clock(clock).retries(0).build())) {
            reg.tags(image());
            mode.set(1);
            clock.advance(Duration.ofHours(1));
            Registry.Tags stale = reg.tags(image());
            assertTrue(stale.stale());
            assertEquals(List.of("1.0"), stale.tags());
            assertTrue(stale.error().contains("503"), stale.error());
        }
    }

    @Test
    void aRejectedBearerTokenIsRefreshedOnce() {
        AtomicInteger generation = new AtomicInteger(1);
        AtomicInteger issued = new AtomicInteger();
        fake.handler((ex, n) -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/token")) {
                int g = issued.incrementAndGet();
                FakeRegistry.send(ex, 200, "{\"token\":\"tok-" + g + "\",\"expires_in\":300}");
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!("Bearer tok-" + generation.get()).equals(auth)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + fake.host()
                        + "/token\",service=\"fake\",scope=\"repository:acme/app:pull\"");
                FakeRegistry.send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token\"}]}");
                return;
            }
            tags(ex, "1.0");
        });
        try (RegistryClient client = new RegistryClient(options().build())) {
            client.listTags(image(), null);
            client.listTags(image(), null);
            assertEquals(1, client.tokenFetches(), "token cached");
            generation.set(2); // the registry no longer accepts tok-1 (revoked before its expiry)
            assertEquals(List.of("1.0"), client.listTags(image(), null).tags());
            assertEquals(2, client.tokenFetches(), "refetched after the 401");
        }
    }

    @Test
    void anIdentityTokenIsExchangedWithAnOAuth2RefreshGrant() {
        List<String> forms = new java.util.concurrent.CopyOnWriteArrayList<>();
        fake.handler((ex, n) -> {
            if (ex.getRequestURI().getPath().equals("/oauth/token")) {
                forms.add(ex.getRequestMethod() + " " + new String(ex.getRequestBody().readAllBytes()));
                FakeRegistry.send(ex, 200, "{\"access_token\":\"at-1\",\"expires_in\":60}");
                return;
            }
            if (!"Bearer at-1".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + fake.host()
                        + "/oauth/token\",service=\"fake-svc\"");
                FakeRegistry.send(ex, 401, "");
                return;
            }
            tags(ex, "5.0");
        });
        Credentials creds = new Credentials("<token>", "", "refresh-XYZ");
        try (RegistryClient client = new RegistryClient(options()
                .credentials(RegistryCredentials.of(fake.host(), creds)).build())) {
            assertEquals(List.of("5.0"), client.listTags(image(), null).tags());
        }
        assertEquals(1, forms.size());
        String form = forms.getFirst();
        assertTrue(form.startsWith("POST "), form);
        assertTrue(form.contains("grant_type=refresh_token"), form);
        assertTrue(form.contains("refresh_token=refresh-XYZ"), form);
        assertTrue(form.contains("scope=repository%3Aacme%2Fapp%3Apull"), form);
        assertTrue(form.contains("service=fake-svc"), form);
    }

    @Test
    void redirectsToAnotherHostDoNotCarryTheAuthorizationHeader() throws IOException {
        try (FakeRegistry cdn = new FakeRegistry()) {
            cdn.handler((ex, n) -> FakeRegistry.send(ex, 200, "{\"created\":\"2025-01-02T03:04:05Z\"}"));
            byte[] config = "{\"created\":\"2025-01-02T03:04:05Z\"}".getBytes();
            String configDigest = RegistryClient.sha256(config);
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":{"
                    + "\"mediaType\":\"" + MediaTypes.DOCKER_CONFIG + "\",\"size\":" + config.length + ",\"digest\":\""
                    + configDigest + "\"},\"layers\":[]}";
            String manifestDigest = RegistryClient.sha256(manifest.getBytes());
            fake.handler((ex, n) -> {
                if (ex.getRequestHeaders().getFirst("Authorization") == null) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
                    FakeRegistry.send(ex, 401, "");
                    return;
                }
                String path = ex.getRequestURI().getPath();
                if (path.contains("/manifests/")) {
                    ex.getResponseHeaders().set("Content-Type", MediaTypes.DOCKER_MANIFEST);
                    ex.getResponseHeaders().set("Docker-Content-Digest", manifestDigest);
                    FakeRegistry.send(ex, 200, manifest);
                } else {
                    ex.getResponseHeaders().set("Location", "http://" + cdn.host() + "/blob?sig=1");
                    FakeRegistry.send(ex, 307, "");
                }
            });
            try (RegistryClient client = new RegistryClient(options().credentials(
                    RegistryCredentials.of(fake.host(), Credentials.basic("u", "p"))).build())) {
                ReleaseTime t = client.releaseTime(image(), manifestDigest);
                assertEquals(Instant.parse("2025-01-02T03:04:05Z"), t.time());
            }
            assertEquals(1, cdn.requests().size());
            assertNull(cdn.requests().getFirst().authorization(), "no credentials sent to the redirect target");
        }
    }

    /** Lists the tags of {@link #image()} {@code n} times at once, and waits for all of them. */
    private void listConcurrently(RegistryClient client, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(() -> client.listTags(image(), null)));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Connections are kept alive and reused (bodies are read to the end and closed, error answers too): three rounds
     * of four concurrent lookups, then a HEAD and a 404, all over the connections the first round opened.
     */
    @Test
    void connectionsAreReusedAcrossRequestsAndAnswers() throws Exception {
        java.util.Set<Integer> clientPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
        fake.handler((ex, n) -> {
            clientPorts.add(ex.getRemoteAddress().getPort());
            if (ex.getRequestURI().getPath().contains("/manifests/")) {
                ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + "ab".repeat(32));
                FakeRegistry.send(ex, ex.getRequestURI().getPath().endsWith("/9.9") ? 404 : 200, "{}");
                return;
            }
            sleep(100); // the four of a round overlap, so each needs a connection of its own
            tags(ex, "1.0");
        });
        RegistryOptions opts = options().host(fake.host(), new HostOptions(true, null, 1000, 1000, 4)).build();
        try (RegistryClient client = new RegistryClient(opts)) {
            for (int round = 0; round < 3; round++) {
                listConcurrently(client, 4);
            }
            assertEquals("sha256:" + "ab".repeat(32), client.head(image(), "1.0").digest());
            RegistryException missing = assertThrows(RegistryException.class, () -> client.head(image(), "9.9"));
            assertEquals(RegistryException.Kind.NOT_FOUND, missing.kind());
        }
        assertEquals(14, fake.requests().size());
        assertTrue(clientPorts.size() <= 4, "14 requests over " + clientPorts.size() + " connections");
    }

    @Test
    void requestsToOneRegistryAreRateLimitedAndBoundedInConcurrency() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        fake.handler((ex, n) -> {
            int now = inFlight.incrementAndGet();
            maxSeen.accumulateAndGet(now, Math::max);
            sleep(150);
            inFlight.decrementAndGet();
            tags(ex, "1");
        });
        RegistryOptions opts = options().host(fake.host(), new HostOptions(true, null, 1000, 1000, 2)).build();
        try (RegistryClient client = new RegistryClient(opts)) {
            listConcurrently(client, 8);
            assertEquals(2, maxSeen.get(), "at most 2 in flight at the registry");
            assertTrue(client.maxInFlight(fake.host()) <= 2);
        }
        fake.handler((ex, n) -> tags(ex, "1"));
        RegistryOptions slow = options().host(fake.host(), new HostOptions(true, null, 5, 1, 4)).build();
        try (RegistryClient client = new RegistryClient(slow)) {
            long start = System.nanoTime();
            for (int i = 0; i < 6; i++) {
                client.listTags(image(), null);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 900, "6 requests at 5/s with burst 1 take about a second, took " + ms + " ms");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
