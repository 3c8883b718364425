package dev.safeupdater.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.version.CandidateSelector;
import dev.safeupdater.version.ChangeClass;
import dev.safeupdater.version.Selection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The registry client against the real CNCF distribution registry in its four modes. */
class RealRegistryTest {
    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

    static RegistryOptions.Builder options(TestRegistry r) {
        RegistryOptions.Builder b = RegistryOptions.builder()
                .defaults(new HostOptions(false, null, 1000, 1000, 8))
                .backoff(java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(50));
        if (r.mode() != TestRegistry.Mode.TLS) {
            b.insecure(Set.of(r.host()));
        }
        return b;
    }

    static ImageReference ref(TestRegistry r, String repo) {
        return ImageReference.parse(r.host() + "/" + repo);
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Open {
        TestRegistry registry;
        Pusher pusher;
        Pusher.Pushed v100;
        Pusher.Pushed v101;
        Pusher.Pushed v110;
        Pusher.Pushed v200;

        @BeforeAll
        void start() {
            registry = TestRegistry.start(TestRegistry.Mode.OPEN);
            pusher = registry.pusher();
            v100 = pusher.pushImage("demo/web", "1.0.0", T0, false);
            v101 = pusher.pushImage("demo/web", "1.0.1", T0.plusSeconds(86400), true);
            v110 = pusher.pushMultiArch("demo/web", "1.1.0", T0.plusSeconds(2 * 86400), false,
                    List.of("amd64", "arm64"));
            v200 = pusher.pushMultiArch("demo/web", "2.0.0", T0.plusSeconds(3 * 86400), true,
                    List.of("arm64", "amd64"));
            pusher.pushImage("demo/web", "2.1.0-rc.1", T0.plusSeconds(4 * 86400), false);
            pusher.pushImage("demo/web", "latest", T0.plusSeconds(3 * 86400), false);
        }

        @AfterAll
        void stop() {
            registry.close();
        }

        @Test
        void listsTagsAndResolvesDigestsOfEveryManifestKind() {
            try (RegistryClient client = new RegistryClient(options(registry).build())) {
                var list = client.listTags(ref(registry, "demo/web"), null);
                assertEquals(Set.of("1.0.0", "1.0.1", "1.1.0", "2.0.0", "2.1.0-rc.1", "latest"),
                        new HashSet<>(list.tags()));
                var image = ref(registry, "demo/web");
                assertEquals(v100.digest(), client.head(image, "1.0.0").digest());
                assertEquals(MediaTypes.DOCKER_MANIFEST, client.head(image, "1.0.0").mediaType());
                assertEquals(v101.digest(), client.head(image, "1.0.1").digest());
                assertEquals(MediaTypes.OCI_MANIFEST, client.head(image, "1.0.1").mediaType());
                assertEquals(v110.digest(), client.head(image, "1.1.0").digest());
                assertEquals(MediaTypes.DOCKER_LIST, client.head(image, "1.1.0").mediaType());
                assertEquals(v200.digest(), client.head(image, "2.0.0").digest());
                assertEquals(MediaTypes.OCI_INDEX, client.head(image, "2.0.0").mediaType());
            }
        }

        @Test
        void releaseTimeComesFromThePlatformsImageConfig() {
            var image = ref(registry, "demo/web");
            try (RegistryClient amd = new RegistryClient(options(registry).build());
                 RegistryClient arm = new RegistryClient(options(registry).platform(Platform.parse("linux/arm64")).build())) {
                ReleaseTime schema2 = amd.releaseTime(image, v100.digest());
                assertEquals(new ReleaseTime(T0, ReleaseTimeSource.IMAGE_CONFIG, null), schema2);
                assertEquals(T0.plusSeconds(86400), amd.releaseTime(image, v101.digest()).time());
                // manifest list: amd64 first (created +0 h), arm64 second (+1 h)
                assertEquals(T0.plusSeconds(2 * 86400), amd.releaseTime(image, v110.digest()).time());
                assertEquals(T0.plusSeconds(2 * 86400 + 3600), arm.releaseTime(image, v110.digest()).time());
                // OCI index with an attestation entry first: arm64 (+0 h), amd64 (+1 h)
                ReleaseTime oci = amd.releaseTime(image, v200.digest());
                assertEquals(T0.plusSeconds(3 * 86400 + 3600), oci.time());
                assertEquals(ReleaseTimeSource.IMAGE_CONFIG, oci.source());
            }
        }

        @Test
        void unknownRepositoryAndTagAreNotFound() {
            try (RegistryClient client = new RegistryClient(options(registry).build())) {
                RegistryException e = assertThrows(RegistryException.class,
                        () -> client.listTags(ref(registry, "nobody/here"), null));
                assertEquals(RegistryException.Kind.NOT_FOUND, e.kind());
                assertTrue(e.getMessage().contains("NAME_UNKNOWN"), e.getMessage());
                RegistryException tag = assertThrows(RegistryException.class,
                        () -> client.head(ref(registry, "demo/web"), "9.9.9"));
                assertEquals(RegistryException.Kind.NOT_FOUND, tag.kind());
            }
        }

        @Test
        void aRepositoryWithThousandsOfTagsIsListedWholeAndSelectedFrom() {
            Pusher.Pushed m = pusher.putImageManifest("big/app", T0, false, "amd64", "big");
            byte[] bytes = pusher.lastManifestBytes();
            List<String> pushed = new ArrayList<>();
            for (int major = 1; major <= 3; major++) {
                for (int minor = 0; minor < 20; minor++) {
                    for (int patch = 0; patch < 20; patch++) {
                        String tag = major + "." + minor + "." + patch + (patch % 5 == 4 ? "-alpine" : "");
                        pushed.add(tag);
                        pusher.tag("big/app", tag, m, bytes);
                    }
                }
            }
            assertTrue(pushed.size() >= 1000);
            try (RegistryClient client = new RegistryClient(options(registry).build())) {
                var list = client.listTags(ref(registry, "big/app"), null);
                assertEquals(new HashSet<>(pushed), new HashSet<>(list.tags()));
                Selection s = CandidateSelector.select("2.5.3", list.tags(), false);
                assertEquals("2.5.18", s.candidate(ChangeClass.PATCH).tag());
                assertEquals("2.19.18", s.candidate(ChangeClass.MINOR).tag());
                assertEquals("3.19.18", s.candidate(ChangeClass.MAJOR).tag());
                // a limit below the size is refused, not truncated
                try (RegistryClient small = new RegistryClient(options(registry).maxTags(500).build())) {
                    RegistryException e = assertThrows(RegistryException.class,
                            () -> small.listTags(ref(registry, "big/app"), null));
                    assertEquals(RegistryException.Kind.TOO_LARGE, e.kind());
                }
            }
        }

        @Test
        void theCachedFrontAsksOncePerImageHoweverManyAsk() throws Exception {
            try (Registry reg = new Registry(options(registry).build())) {
                ImageReference image = ref(registry, "demo/web");
                ExecutorService pool = Executors.newFixedThreadPool(16);
                List<Callable<Registry.Tags>> calls = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    calls.add(() -> reg.tags(ImageReference.parse(registry.host() + "/demo/web:1.0.0")));
                }
                for (Future<Registry.Tags> f : pool.invokeAll(calls)) {
                    assertEquals(6, f.get().tags().size());
                }
                pool.shutdown();
                long afterFirst = reg.client().requests();
                assertTrue(afterFirst <= 2, "one tag list request (plus none for auth), was " + afterFirst);
                Registry.Tags again = reg.tags(image);
                assertTrue(again.fromCache());
                var info = reg.describe(image, "1.1.0", true);
                reg.describe(image, "1.1.0", true);
                assertEquals(v110.digest(), info.digest());
                assertEquals(T0.plusSeconds(2 * 86400), info.release().time());
                // GET of the tag's index (it names the digest: no HEAD first) + GET amd64 manifest + GET config, once
                assertEquals(afterFirst + 3, reg.client().requests());
            }
        }

        @Test
        void aTagWhoseReleaseTimeIsKnownIsAskedAgainWithAHeadOnly() throws Exception {
            MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
            try (Registry reg = new Registry(options(registry).clock(clock).build())) {
                ImageReference image = ref(registry, "demo/web");
                var first = reg.describe(image, "1.1.0", true);
                long asked = reg.client().requests();
                clock.advance(java.time.Duration.ofHours(1)); // the tag's digest is no longer fresh
                var again = reg.describe(image, "1.1.0", true);
                assertEquals(asked + 1, reg.client().requests(), "one HEAD: the digest did not move");
                assertEquals(first.digest(), again.digest());
                assertEquals(first.release(), again.release());
            }
        }

        @Test
        void helmChartVersionsAreTagsOfAnOciRepository(@TempDir Path tmp) throws Exception {
            String helm = TestRegistry.requiredEnv("SAFE_UPDATER_TEST_HELM");
            for (String version : List.of("0.1.0", "0.2.0", "0.2.1", "1.0.0-rc.1")) {
                Path chartDir = tmp.resolve("c-" + version);
                Files.createDirectories(chartDir);
                run(tmp, helm, "create", chartDir.resolve("demo").toString());
                Path chartYaml = chartDir.resolve("demo/Chart.yaml");
                Files.writeString(chartYaml, Files.readString(chartYaml).replaceAll("(?m)^version: .*$",
                        "version: " + version));
                run(tmp, helm, "package", chartDir.resolve("demo").toString(), "-d", chartDir.toString());
                run(tmp, helm, "push", chartDir.resolve("demo-" + version + ".tgz").toString(),
                        "oci://" + registry.host() + "/charts", "--plain-http");
            }
            try (Registry reg = new Registry(options(registry).build())) {
                ImageReference chart = ref(registry, "charts/demo");
                Registry.Tags tags = reg.tags(chart);
                assertEquals(Set.of("0.1.0", "0.2.0", "0.2.1", "1.0.0-rc.1"), new HashSet<>(tags.tags()));
                Selection s = CandidateSelector.select("0.1.0", tags.tags(), false);
                assertEquals("0.2.1", s.candidate(ChangeClass.MINOR).tag());
                var info = reg.describe(chart, "0.2.1", true);
                assertTrue(info.digest().startsWith("sha256:"));
                assertEquals(ReleaseTimeSource.REGISTRY, info.release().source(), info.release().toString());
                assertTrue(info.release().time().isAfter(Instant.now().minusSeconds(3600)));
            }
        }

        private void run(Path home, String... cmd) throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("HELM_CONFIG_HOME", home.resolve("helm-config").toString());
            pb.environment().put("HELM_CACHE_HOME", home.resolve("helm-cache").toString());
            pb.environment().put("HELM_DATA_HOME", home.resolve("helm-data").toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Htpasswd {
        TestRegistry registry;

        @BeforeAll
        void start() {
            registry = TestRegistry.start(TestRegistry.Mode.HTPASSWD);
            registry.pusher().pushImage("team/api", "3.2.1", T0, false);
        }

        @AfterAll
        void stop() {
            registry.close();
        }

        @Test
        void basicCredentialsFromAKubernetesPullSecretWork() {
            String config = "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + Base64.getEncoder()
                    .encodeToString((TestRegistry.USER + ":" + TestRegistry.PASSWORD).getBytes(StandardCharsets.UTF_8))
                    + "\"}}}";
            RegistryCredentials creds = RegistryCredentials.fromSecret(RegistryCredentials.DOCKER_CONFIG_JSON_TYPE,
                    Map.of(".dockerconfigjson", Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8))),
                    "pull-secret");
            try (RegistryClient client = new RegistryClient(options(registry).credentials(creds).build())) {
                assertEquals(List.of("3.2.1"), client.listTags(ref(registry, "team/api"), null).tags());
                assertNotNull(client.head(ref(registry, "team/api"), "3.2.1").digest());
                assertEquals(T0, client.releaseTime(ref(registry, "team/api"),
                        client.head(ref(registry, "team/api"), "3.2.1").digest()).time());
                assertEquals(0, client.tokenFetches());
            }
        }

        @Test
        void withoutCredentialsTheErrorSaysSo() {
            try (RegistryClient client = new RegistryClient(options(registry).build())) {
                RegistryException e = assertThrows(RegistryException.class,
                        () -> client.listTags(ref(registry, "team/api"), null));
                assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
                assertTrue(e.getMessage().contains("no credentials are configured"), e.getMessage());
            }
        }

        @Test
        void wrongCredentialsAreRejectedWithoutTheSecretInErrorsOrLogs() {
            String wrong = "wrong-Pa55word-XYZ";
            try (LogCapture logs = new LogCapture();
                 RegistryClient client = new RegistryClient(options(registry)
                         .credentials(RegistryCredentials.of(registry.host(), Credentials.basic(TestRegistry.USER, wrong)))
                         .build())) {
                RegistryException e = assertThrows(RegistryException.class,
                        () -> client.listTags(ref(registry, "team/api"), null));
                assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
                assertTrue(e.getMessage().contains("were rejected"), e.getMessage());
                assertFalse(e.getMessage().contains(wrong));
                String basic = Base64.getEncoder().encodeToString((TestRegistry.USER + ":" + wrong).getBytes());
                assertFalse(e.getMessage().contains(basic));
                assertFalse(logs.text().contains(wrong), logs.text());
                assertFalse(logs.text().contains(basic), logs.text());
            }
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Token {
        TestRegistry registry;

        @BeforeAll
        void start() {
            registry = TestRegistry.start(TestRegistry.Mode.TOKEN);
            registry.pusher().pushImage("secure/db", "16.1", T0, true);
            registry.pusher().pushImage("secure/db", "16.2", T0.plusSeconds(60), true);
            registry.pusher().pushImage("open/tool", "1.0", T0, false);
        }

        @AfterAll
        void stop() {
            registry.close();
        }

        @Test
        void bearerTokensComeFromTheIssuerWithDockerConfigCredentialsAndAreCached(@TempDir Path tmp) throws IOException {
            Path configJson = tmp.resolve("config.json");
            Files.writeString(configJson, "{\"auths\":{\"http://" + registry.host() + "/v2/\":{\"username\":\""
                    + TestRegistry.USER + "\",\"password\":\"" + TestRegistry.PASSWORD + "\"}}}");
            int before = registry.issuer().issued();
            try (LogCapture logs = new LogCapture();
                 RegistryClient client = new RegistryClient(options(registry)
                         .credentials(RegistryCredentials.fromFile(configJson)).build())) {
                ImageReference image = ref(registry, "secure/db");
                assertEquals(Set.of("16.1", "16.2"), new HashSet<>(client.listTags(image, null).tags()));
                for (int i = 0; i < 5; i++) {
                    client.head(image, "16.2");
                }
                assertEquals(T0.plusSeconds(60), client.releaseTime(image, client.head(image, "16.2").digest()).time());
                assertEquals(1, client.tokenFetches(), "one token for the repository scope, reused");
                assertEquals(before + 1, registry.issuer().issued());
                // another repository is another scope: another token
                client.listTags(ref(registry, "open/tool"), null);
                assertEquals(2, client.tokenFetches());
                assertFalse(logs.text().contains(TestRegistry.PASSWORD));
            }
        }

        @Test
        void wrongCredentialsAtTheTokenServiceAreUnauthorized() {
            String wrong = "not-the-Password-42";
            try (LogCapture logs = new LogCapture();
                 RegistryClient client = new RegistryClient(options(registry)
                         .credentials(RegistryCredentials.of(registry.host(), Credentials.basic(TestRegistry.USER, wrong)))
                         .build())) {
                RegistryException e = assertThrows(RegistryException.class,
                        () -> client.listTags(ref(registry, "secure/db"), null));
                assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
                assertTrue(e.getMessage().contains("rejected the credentials"), e.getMessage());
                assertFalse(e.getMessage().contains(wrong));
                assertFalse(logs.text().contains(wrong));
            }
        }

        @Test
        void anonymousTokensWorkWhereTheIssuerGivesThem() {
            registry.issuer().allowAnonymous(true);
            try (RegistryClient client = new RegistryClient(options(registry).build())) {
                assertEquals(List.of("1.0"), client.listTags(ref(registry, "open/tool"), null).tags());
            } finally {
                registry.issuer().allowAnonymous(false);
            }
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Tls {
        TestRegistry registry;

        @BeforeAll
        void start() {
            registry = TestRegistry.start(TestRegistry.Mode.TLS);
            registry.pusher().pushImage("tls/app", "1.2.3", T0, false);
        }

        @AfterAll
        void stop() {
            registry.close();
        }

        @Test
        void aCustomCaMakesTheRegistryTrusted(@TempDir Path tmp) throws IOException {
            Path file = tmp.resolve("registries.yaml");
            Files.copy(registry.caPem(), tmp.resolve("ca.pem"));
            Files.writeString(file, "registries:\n  \"" + registry.host() + "\":\n    ca: ca.pem\n    rate: 500\n");
            try (RegistryClient client = new RegistryClient(options(registry).hostsFile(file).build())) {
                assertEquals(List.of("1.2.3"), client.listTags(ref(registry, "tls/app"), null).tags());
                assertNotNull(client.head(ref(registry, "tls/app"), "1.2.3").digest());
            }
        }

        @Test
        void withoutTheCaTheErrorIsATlsError() {
            try (RegistryClient client = new RegistryClient(options(registry).retries(0).build())) {
                RegistryException e = assertThrows(RegistryException.class,
                        () -> client.listTags(ref(registry, "tls/app"), null));
                assertEquals(RegistryException.Kind.TLS, e.kind(), e.getMessage());
            }
        }
    }
}
