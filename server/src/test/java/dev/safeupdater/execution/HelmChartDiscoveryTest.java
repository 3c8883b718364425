package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.sun.net.httpserver.HttpServer;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryFixtures;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.registry.helm.HelmIndexClient;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.store.ScanStore;
import dev.safeupdater.testing.HelmReleases;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Helm releases from the cluster (fabric8's mock API server in CRUD mode: no real API server can run here) to the
 * chart versions they could move to: one chart pushed with the real helm binary to the real registry (OCI), one in an
 * HTTP repository packaged and indexed by the real helm binary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartDiscoveryTest {
    private Path tmp;
    private RegistryFixtures registry;
    private HttpServer charts;
    private MockCluster cluster;
    private TestDatabase db;
    private TagService tags;
    private String httpRepo;

    @BeforeAll
    void start() throws Exception {
        String helm = System.getenv("SAFE_UPDATER_TEST_HELM");
        if (helm == null || helm.isBlank()) {
            throw new IllegalStateException("SAFE_UPDATER_TEST_HELM is not set: run the tests through bin/test");
        }
        tmp = Files.createTempDirectory("su-helm-discovery");
        registry = RegistryFixtures.start();
        for (String v : List.of("0.1.0", "0.2.0", "0.2.1", "1.0.0", "1.1.0-rc.1")) {
            Path tgz = chart(helm, "demo", v);
            helm(helm, "push", tgz.toString(), "oci://" + registry.host() + "/charts", "--plain-http");
        }
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        for (String v : List.of("1.0.0", "1.0.3", "1.1.0", "2.0.0")) {
            Files.copy(chart(helm, "web", v), repo.resolve("web-" + v + ".tgz"));
        }
        charts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        httpRepo = "http://127.0.0.1:" + charts.getAddress().getPort() + "/stable";
        helm(helm, "repo", "index", repo.toString(), "--url", httpRepo);
        charts.createContext("/stable/", ex -> {
            Path file = repo.resolve(ex.getRequestURI().getPath().substring("/stable/".length()));
            byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
            ex.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        charts.start();

        cluster = MockCluster.start();
        cluster.put(HelmReleases.secret("shop", "demo", 1, "superseded", "demo", "0.1.0", "1.0", Map.of()));
        cluster.put(HelmReleases.secret("shop", "demo", 2, "deployed", "demo", "0.2.0", "1.0",
                Map.of("safe-updater.io/chart-source", "oci://" + registry.host() + "/charts")));
        cluster.put(HelmReleases.secret("shop", "web", 1, "deployed", "web", "1.0.0", "1.0", Map.of()));
        Path kubeconfig = cluster.kubeconfig(tmp, "mock");
        Path inventory = tmp.resolve("inventory.yaml");
        Files.writeString(inventory, """
                sources:
                  - name: helm
                    type: helm
                    cluster: test
                    kubeconfig: %s
                    chartSources:
                      shop/web: %s
                """.formatted(kubeconfig, httpRepo));

        db = TestDatabase.h2();
        Clock clock = Clock.systemUTC();
        new ScanService(InventoryConfig.load(inventory), new InventoryStore(db.database(), clock),
                new ScanStore(db.database(), clock), clock).scan(List.of(), "test", ScanListener.NONE);
        tags = new TagService(new Registry(RegistryOptions.builder()
                .defaults(new HostOptions(false, null, 1000, 1000, 8))
                .insecure(Set.of(registry.host()))
                .timeout(Duration.ofSeconds(5))
                .build()), HelmIndexClient.create(), new ImageTagStore(db.database()), clock);
    }

    @AfterAll
    void stop() {
        tags.close();
        db.close();
        cluster.close();
        charts.stop(0);
        registry.close();
    }

    private Asset release(String name) {
        return new AssetStore(db.database(), Clock.systemUTC())
                .list(new AssetFilter("helm", null, "shop", "HelmRelease", null, name, null), null, 10)
                .items().stream().filter(a -> a.key().name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aReleaseWithAnOciChartSourceGetsItsCandidatesFromTheRegistrysTags() {
        Asset demo = release("demo");
        assertEquals("oci://" + registry.host() + "/charts/demo", demo.image());
        assertEquals("0.2.0", demo.currentTag());
        TagService.Discovery d = tags.discover(List.of(
                new TagService.DiscoveryRequest(demo.image(), demo.currentTag(), null, false))).getFirst();
        assertFalse(d.stale(), String.valueOf(d.error()));
        assertEquals("0.2.1", d.candidates().get("patch").tag());
        assertEquals(ChangeType.PATCH, d.candidates().get("patch").changeType());
        assertTrue(d.candidates().get("patch").digest().startsWith("sha256:"));
        assertEquals("1.0.0", d.candidates().get("major").tag());
        assertNull(d.candidates().get("minor"), "1.1.0-rc.1 is a prerelease and not opted in");
        assertEquals(5, d.tagCount());
    }

    @Test
    void aReleaseWithAnHttpChartRepositoryGetsItsCandidatesFromIndexYaml() {
        Asset web = release("web");
        assertEquals(httpRepo + "/web", web.image());
        TagService.Discovery d = tags.discover(List.of(
                new TagService.DiscoveryRequest(web.image(), web.currentTag(), null, false))).getFirst();
        assertFalse(d.stale(), String.valueOf(d.error()));
        assertEquals("1.0.3", d.candidates().get("patch").tag());
        assertEquals("1.1.0", d.candidates().get("minor").tag());
        assertEquals("2.0.0", d.candidates().get("major").tag());
        TagService.CandidateInfo minor = d.candidates().get("minor");
        assertNotNull(minor.releaseTime(), "index.yaml's created time");
        assertEquals(ReleaseTimeSource.REGISTRY, minor.releaseTimeSource());
        assertTrue(minor.digest().matches("sha256:[0-9a-f]{64}"), minor.digest());
    }

    @Test
    void chartVersionsAreListedLikeImageTagsAndRecorded() {
        TagService.TagReport oci = tags.tags("oci://" + registry.host() + "/charts/demo", 0);
        assertEquals(List.of("1.1.0-rc.1", "1.0.0", "0.2.1", "0.2.0", "0.1.0"),
                oci.tags().stream().map(TagService.TagEntry::tag).toList());
        TagService.TagReport http = tags.tags(httpRepo + "/web", 2);
        assertEquals(4, http.total());
        assertEquals(List.of("2.0.0", "1.1.0"), http.tags().stream().map(TagService.TagEntry::tag).toList());
        assertEquals(4, new ImageTagStore(db.database()).tags(httpRepo + "/web").size());
    }

    @Test
    void anUnreachableChartRepositoryIsStaleNotAnError() {
        TagService.Discovery d = tags.discover(List.of(new TagService.DiscoveryRequest(
                "http://127.0.0.1:1/nowhere/web", "1.0.0", null, false))).getFirst();
        assertTrue(d.stale());
        assertNotNull(d.error());
        assertTrue(d.candidates().isEmpty());
    }

    private Path chart(String helm, String name, String version) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("build-" + name + "-" + version));
        helm(helm, "create", dir.resolve(name).toString());
        Path chartYaml = dir.resolve(name).resolve("Chart.yaml");
        Files.writeString(chartYaml, Files.readString(chartYaml).replaceAll("(?m)^version: .*$", "version: " + version));
        helm(helm, "package", dir.resolve(name).toString(), "-d", dir.toString());
        return dir.resolve(name + "-" + version + ".tgz");
    }

    private void helm(String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HELM_CONFIG_HOME", tmp.resolve("helm-config").toString());
        pb.environment().put("HELM_CACHE_HOME", tmp.resolve("helm-cache").toString());
        pb.environment().put("HELM_DATA_HOME", tmp.resolve("helm-data").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }
}
