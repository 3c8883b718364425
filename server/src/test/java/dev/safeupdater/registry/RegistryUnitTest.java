package dev.safeupdater.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.safeupdater.model.ImageReference;

/** References, challenges, credentials files, the token bucket and Retry-After. */
class RegistryUnitTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            nginx                                   | docker.io         | library/nginx   | -      | -
            nginx:1.25.3-alpine                     | docker.io         | library/nginx   | 1.25.3-alpine | -
            bitnami/postgresql:16                   | docker.io         | bitnami/postgresql | 16 | -
            docker.io/library/redis                 | docker.io         | library/redis   | -      | -
            index.docker.io/grafana/grafana:10.2.3  | docker.io         | grafana/grafana | 10.2.3 | -
            ghcr.io/org/team/app:v1.2.3             | ghcr.io           | org/team/app    | v1.2.3 | -
            localhost/app                           | localhost         | app             | -      | -
            localhost:5000/app:1                    | localhost:5000    | app             | 1      | -
            127.0.0.1:5000/ns/name:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef | 127.0.0.1:5000 | ns/name | 1.0 | sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            registry.example.com:8443/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef | registry.example.com:8443 | a/b | - | sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            """)
    void parsesImageReferencesWithDockerDefaults(String ref, String registry, String repository, String tag,
                                                 String digest) {
        ImageReference r = ImageReference.parse(ref);
        assertEquals(new ImageReference(registry, repository, tag, digest), r);
    }

    @Test
    void refusesBadReferencesSayingWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("Nginx"))
                .getMessage().contains("not a repository path"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("nginx:bad+tag"))
                .getMessage().contains("not a valid tag"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("nginx@sha256:xyz"))
                .getMessage().contains("not a digest"));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(""));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("ghcr.io/"));
        assertEquals("registry-1.docker.io", ImageReference.parse("nginx").apiHost());
        assertEquals("docker.io/library/nginx", ImageReference.parse("nginx:1").name());
    }

    @Test
    void parsesAuthenticateChallenges() {
        List<AuthChallenge> c = AuthChallenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                        + "scope=\"repository:library/nginx:pull,push\",error=\"insufficient_scope\""));
        assertEquals(1, c.size());
        assertEquals("bearer", c.getFirst().scheme());
        assertEquals("https://auth.docker.io/token", c.getFirst().param("realm"));
        assertEquals("repository:library/nginx:pull,push", c.getFirst().param("scope"));
        assertEquals("insufficient_scope", c.getFirst().param("error"));
        List<AuthChallenge> two = AuthChallenge.parse(List.of("Basic realm=\"a \\\"quoted\\\" realm\", Bearer realm=x"));
        assertEquals(2, two.size());
        assertEquals("a \"quoted\" realm", two.get(0).param("realm"));
        assertEquals("x", two.get(1).param("realm"));
    }

    @Test
    void readsDockerConfigAndPullSecretsWithoutShowingSecrets() {
        String auth = Base64.getEncoder().encodeToString("alice:pa:ss".getBytes(StandardCharsets.UTF_8));
        String json = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + auth + "\"},"
                + "\"ghcr.io\":{\"username\":\"bob\",\"password\":\"tok\"},"
                + "\"quay.io\":{\"identitytoken\":\"refresh-me\"},"
                + "\"helper.example\":{}},\"credsStore\":\"desktop\"}";
        RegistryCredentials c = RegistryCredentials.parse(json.getBytes(StandardCharsets.UTF_8), "config.json");
        assertEquals("alice", c.find("docker.io").orElseThrow().username());
        assertEquals("pa:ss", c.find("registry-1.docker.io").orElseThrow().password());
        assertEquals("tok", c.find("ghcr.io").orElseThrow().password());
        assertEquals("refresh-me", c.find("quay.io").orElseThrow().identityToken());
        assertTrue(c.find("helper.example").isEmpty());
        assertFalse(c.find("docker.io").orElseThrow().toString().contains("pa:ss"));
        // legacy .dockercfg secret: no "auths" wrapper
        String legacy = "{\"registry.example.com\":{\"auth\":\"" + auth + "\"}}";
        RegistryCredentials l = RegistryCredentials.fromSecret(RegistryCredentials.DOCKER_CFG_TYPE,
                Map.of(".dockercfg", Base64.getEncoder().encodeToString(legacy.getBytes(StandardCharsets.UTF_8))), "s");
        assertEquals("alice", l.find("registry.example.com").orElseThrow().username());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> RegistryCredentials.parse(
                "{\"auths\":{\"x\":{\"auth\":\"bm9jb2xvbg==\"}}}".getBytes(), "config.json"));
        assertTrue(bad.getMessage().contains("user:password"));
        assertThrows(IllegalArgumentException.class, () -> RegistryCredentials.fromSecret("Opaque", Map.of(), "s"));
    }

    @Test
    void theTokenBucketAllowsBurstsThenPacesAndPauses() {
        AtomicLong now = new AtomicLong();
        TokenBucket b = new TokenBucket(10, 2, now::get);
        assertEquals(0, b.reserve());
        assertEquals(0, b.reserve());
        assertEquals(100_000_000, b.reserve(), "third waits one token interval");
        assertEquals(200_000_000, b.reserve(), "fourth waits two");
        now.addAndGet(1_000_000_000);
        assertEquals(0, b.reserve());
        b.pauseUntil(now.get() + 3_000_000_000L);
        assertEquals(3_000_000_000L, b.reserve());
    }

    @Test
    void retryAfterAcceptsSecondsAndHttpDates() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(Duration.ofSeconds(7), Backoff.retryAfter("7", now));
        assertEquals(Duration.ofSeconds(30), Backoff.retryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now));
        assertEquals(Duration.ZERO, Backoff.retryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now));
        assertNull(Backoff.retryAfter("soon", now));
        for (int attempt = 0; attempt < 6; attempt++) {
            long d = Backoff.delayNanos(attempt, Duration.ofMillis(100), Duration.ofSeconds(1));
            assertTrue(d >= 100_000_000 && d <= Math.min(1_000_000_000L, 100_000_000L << attempt), "attempt " + attempt);
        }
    }

    @Test
    void linkHeadersResolveRelativeNextPages() {
        URI base = URI.create("https://r.example/v2/a/tags/list");
        assertEquals(URI.create("https://r.example/v2/a/tags/list?last=x&n=100"), RegistryClient.nextLink(
                List.of("</v2/a/tags/list?last=x&n=100>; rel=\"next\""), base));
        assertNull(RegistryClient.nextLink(List.of("</v2/a/tags/list?last=x>; rel=\"prev\""), base));
    }

    @Test
    void theRegistriesFileRefusesUnknownKeys() throws Exception {
        var dir = java.nio.file.Files.createTempDirectory("su-reg");
        var f = dir.resolve("registries.yaml");
        java.nio.file.Files.writeString(f, "registries:\n  docker.io:\n    rate: 5\n    burst: 3\n  \"127.0.0.1:5000\":\n"
                + "    insecure: true\n    maxConcurrent: 2\n");
        RegistryOptions o = RegistryOptions.builder().hostsFile(f).build();
        assertEquals(5, o.host("index.docker.io").rate());
        assertEquals(3, o.host("docker.io").burst());
        assertTrue(o.host("127.0.0.1:5000").insecure());
        assertEquals(2, o.host("127.0.0.1:5000").maxConcurrent());
        assertFalse(o.host("ghcr.io").insecure());
        java.nio.file.Files.writeString(f, "registries:\n  docker.io:\n    speed: 5\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistryOptions.builder().hostsFile(f));
        assertTrue(e.getMessage().contains("registries.docker.io.speed: unknown key"), e.getMessage());
    }
}
