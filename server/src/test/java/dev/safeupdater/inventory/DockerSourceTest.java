package dev.safeupdater.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.model.ObservedAsset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Docker source against a real Docker engine (Debian's dockerd on a private socket, started by bin/test) and a
 * real registry (docker-registry) for RepoDigests: labelled, opted-out, stopped and Compose containers, and an
 * engine that is not there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerSourceTest {
    private DockerFixture fx;
    private RegistryProcess registry;
    private String web;
    private String worker;
    private String pushedDigest;

    @BeforeAll
    void setUp() throws Exception {
        fx = new DockerFixture();
        registry = new RegistryProcess();
        web = registry.address() + "/demo/web";
        worker = registry.address() + "/demo/worker";
        fx.image(web, "1.0.0");
        fx.image(worker, "2.1");
        fx.docker.pushImageCmd(web).withTag("1.0.0").start().awaitCompletion(60, TimeUnit.SECONDS);
        List<String> repoDigests = fx.docker.inspectImageCmd(web + ":1.0.0").exec().getRepoDigests();
        assertNotNull(repoDigests, "the push gave the image a RepoDigest");
        pushedDigest = repoDigests.getFirst().substring(repoDigests.getFirst().indexOf('@') + 1);
        fx.container("web", web + ":1.0.0", Map.of("team", "a"), true);
        fx.container("worker", worker + ":2.1", Map.of("safe-updater.io/enabled", "false"), true);
        fx.container("job", worker + ":2.1", Map.of("safe-updater.io/enabled", "true"), false);
        fx.container("shop-api", web + ":1.0.0", Map.of("com.docker.compose.project", "shop"), true);
    }

    @AfterAll
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private DockerSource source(boolean optIn, boolean includeStopped) {
        return new DockerSource("local", "engine-1", fx.host, false, null,
                Map.of(DockerFixture.RUN_LABEL, fx.runId), optIn, includeStopped, Duration.ofSeconds(20));
    }

    private static Map<String, ObservedAsset> byName(SourceScan scan) {
        return scan.assets().stream().collect(Collectors.toMap(a -> a.key().name(), a -> a));
    }

    @Test
    void runningAndStoppedContainersWithTheDigestTheyRun() throws Exception {
        SourceScan scan = source(false, true).scan(ScanProgress.NONE);
        Map<String, ObservedAsset> assets = byName(scan);
        assertEquals(Set.of(fx.name("web"), fx.name("job"), fx.name("shop-api")), assets.keySet(),
                "the opted-out container is not listed");

        ObservedAsset w = assets.get(fx.name("web"));
        assertEquals("docker/engine-1/Container/" + fx.name("web"), w.key().display());
        assertEquals(web, w.image());
        assertEquals("1.0.0", w.tag());
        assertEquals(pushedDigest, w.digest(), "the digest comes from the image's RepoDigests");
        assertEquals("a", w.labels().get("team"));
        assertEquals("running", w.details().get("state"));

        ObservedAsset job = assets.get(fx.name("job"));
        assertEquals("created", job.details().get("state"));
        assertNull(job.digest(), "an image that was never pushed or pulled has no RepoDigest");
        assertEquals("shop", assets.get(fx.name("shop-api")).key().namespace(), "Compose project as namespace");
        assertEquals(1 + 3 + 2, scan.apiRequests(),
                "one list, one inspect per listed container (not the opted-out one), one per distinct image");
    }

    @Test
    void theConfigurationNeededToRecreateAContainerIsKeptWithoutEnvironmentValues() throws Exception {
        ObservedAsset w = byName(source(false, true).scan(ScanProgress.NONE)).get(fx.name("web"));
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) w.details().get("config");
        @SuppressWarnings("unchecked")
        Map<String, Object> hostConfig = (Map<String, Object>) w.details().get("hostConfig");
        assertEquals(List.of("/bin/sleep", "3600"), config.get("Cmd"));
        assertEquals(web + ":1.0.0", config.get("Image"));
        assertTrue(((List<?>) config.get("EnvNames")).containsAll(List.of("PASSWORD", "MODE")));
        assertFalse(config.containsKey("Env"));
        assertEquals("host", hostConfig.get("NetworkMode"));
        assertEquals(true, hostConfig.get("Init"));
        assertNotNull(w.details().get("containerId"));
        String json = new ObjectMapper().writeValueAsString(w);
        assertFalse(json.contains("hunter2"), "environment values never leave the engine");
    }

    @Test
    void stoppedContainersCanBeLeftOutAndOptInCanBeRequired() throws Exception {
        assertEquals(Set.of(fx.name("web"), fx.name("shop-api")), byName(source(false, false).scan(ScanProgress.NONE))
                .keySet());
        assertEquals(Set.of(fx.name("job")), byName(source(true, true).scan(ScanProgress.NONE)).keySet());
    }

    @Test
    void anEngineThatIsNotThereFailsTheSource() {
        DockerSource missingSocket = new DockerSource("gone", "gone", "unix:///nonexistent/safe-updater/docker.sock",
                false, null, Map.of(), false, true, Duration.ofSeconds(5));
        SourceException e = assertThrows(SourceException.class, () -> missingSocket.scan(ScanProgress.NONE));
        assertTrue(e.getMessage().startsWith("gone: cannot reach the Docker engine at unix:///nonexistent"),
                e.getMessage());

        DockerSource closedPort = new DockerSource("tcp", "tcp", "tcp://127.0.0.1:1", false, null, Map.of(), false,
                true, Duration.ofSeconds(5));
        SourceException e2 = assertThrows(SourceException.class, () -> closedPort.scan(ScanProgress.NONE));
        assertTrue(e2.getMessage().startsWith("tcp: cannot reach the Docker engine at tcp://127.0.0.1:1"),
                e2.getMessage());
    }
}
