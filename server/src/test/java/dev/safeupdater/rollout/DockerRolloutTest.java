package dev.safeupdater.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.RestartPolicy;
import dev.safeupdater.store.RunRecord;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.testing.DockerRollouts;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end on the real Docker engine and a real registry, through the server: a container on demo/web:1.0.0 (env,
 * labels, a port, restart policy, init) is scanned, decided over HTTP and updated by the executor. 1.0.1 is healthy
 * (SUCCEEDED, the configuration identical), 1.0.2 exits at once and 1.0.3 fails its HTTP probe (both ROLLED_BACK
 * with the 1.0.1 container running again and the version pinned), a tag whose image is missing ends FAILED with
 * the container untouched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerRolloutTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String SHELL = "exec httpd -f -p 127.0.0.1:$PORT -h /www";
    private DockerRollouts fx;
    private TestDatabase db;
    private TestServer server;
    private Path dir;
    private String name;
    private String repo;
    private int port;
    private long assetId;

    @BeforeAll
    void setUp() throws Exception {
        fx = new DockerRollouts();
        String registry = fx.startRegistry();
        repo = registry + "/demo/web";
        fx.image(repo + ":1.0.0", SHELL, true);
        fx.image(repo + ":1.0.1", SHELL, true);
        fx.image(repo + ":1.0.2", "echo bad release; exit 3", true);
        fx.image(repo + ":1.0.3", SHELL, false); // serves no /health: the probe gets 404
        fx.image(repo + ":1.0.9", "exec sleep 3600", true); // listed, then deleted from the registry
        for (String t : List.of("1.0.1", "1.0.2", "1.0.3", "1.0.9")) {
            fx.push(repo + ":" + t, true);
        }
        port = DockerRollouts.freePort();
        dir = Files.createTempDirectory("rollout");
        Files.writeString(dir.resolve("data.txt"), "kept across updates\n");
        name = "web-" + fx.runId;
        HostConfig hc = HostConfig.newHostConfig().withNetworkMode("host").withInit(true)
                .withRestartPolicy(RestartPolicy.unlessStoppedRestart())
                .withBinds(new com.github.dockerjava.api.model.Bind(dir.toString(),
                        new com.github.dockerjava.api.model.Volume("/data"),
                        com.github.dockerjava.api.model.AccessMode.ro))
                .withPortBindings(new PortBinding(com.github.dockerjava.api.model.Ports.Binding.bindPort(port),
                        ExposedPort.tcp(8080)));
        String id = fx.docker.createContainerCmd(repo + ":1.0.0").withName(name)
                .withEnv("PORT=" + port, "PASSWORD=hunter2", "MODE=test")
                .withLabels(Map.of(DockerRollouts.LABEL, fx.runId, "app", "web",
                        DockerApplier.HEALTH_URL_LABEL, "http://127.0.0.1:" + port + "/health"))
                .withExposedPorts(ExposedPort.tcp(8080))
                .withHostConfig(hc).exec().getId();
        fx.docker.startContainerCmd(id).exec();

        Files.createDirectories(dir.resolve("policies"));
        Files.writeString(dir.resolve("policies/docker.yaml"), String.join("\n",
                "scopes:",
                "  - name: containers",
                "    match: {source: docker}",
                "    allow: patch",
                "    allowUnknownAge: true",
                "    failureCooldown: 1s",
                ""));
        Files.writeString(dir.resolve("inventory.yaml"), String.join("\n",
                "sources:",
                "  - name: local",
                "    type: docker",
                "    engine: test-engine",
                "    host: " + fx.host,
                "    labels: {" + DockerRollouts.LABEL + ": \"" + fx.runId + "\"}", // quoted: a hex id may read as a number
                ""));
        db = TestDatabase.h2();
        Map<String, String> settings = new HashMap<>();
        settings.put("policies.dir", dir.resolve("policies").toString());
        settings.put("inventory.file", dir.resolve("inventory.yaml").toString());
        settings.put("apply.enabled", "true");
        settings.put("apply.poll-interval", "200ms");
        settings.put("verify.stable-for", "2s");
        settings.put("verify.timeout", "8s");
        settings.put("policy.watch", "false");
        settings.put("registry.insecure", registry);
        server = TestServer.start(db, settings);
        // the run metrics exist from the start, at 0, for the configured Docker source
        String metrics = server.http().get("/observe/metrics").body();
        for (String name : List.of("updates_attempted_total", "updates_succeeded_total", "updates_failed_total",
                "rollbacks_total", "failed_health_checks_total", "update_duration_seconds_count",
                "health_check_duration_seconds_count")) {
            assertTrue(metrics.matches("(?s).*safe_updater_" + name + "\\{[^}]*namespace=\"\",[^}]*source=\"docker\""
                    + "[^}]*} 0\\.0.*"), name + " at 0 before any run");
        }
        Http.Response scan = server.http().postJson("/api/v1/scan", "{}");
        assertEquals(201, scan.status(), scan.body());
        JsonNode assets = server.http().get("/api/v1/assets?source=docker").json();
        assertEquals(1, assets.get("items").size(), assets + " after the scan " + scan.body());
        assetId = assets.get("items").get(0).get("id").asLong();
        // the registry stage records the listing decisions are checked against; then 1.0.9's image disappears
        Http.Response tags = server.http().get("/api/v1/tags?image=" + repo);
        assertEquals(200, tags.status(), tags.body());
        assertTrue(tags.body().contains("1.0.9"), tags.body());
        fx.deleteFromRegistry(repo, "1.0.9");
        awaitHealthy(Duration.ofSeconds(20));
    }

    @AfterAll
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (db != null) {
            db.close();
        }
        if (fx != null) {
            fx.close();
        }
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private RunRecord decideAndRun(String tag) throws InterruptedException {
        Http.Response r = server.http().postJson("/api/v1/assets/" + assetId + "/decide",
                "{\"candidateTag\":\"" + tag + "\"}");
        assertEquals(201, r.status() / 100 == 2 ? 201 : r.status(), r.body());
        assertEquals("APPROVE", r.json().get("outcome").asText(), r.body());
        RunStore runs = new RunStore(db.database());
        RunRecord run = runs.forAsset(assetId).getLast();
        assertEquals(tag, run.toTag());
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            RunRecord now = runs.find(run.id()).orElseThrow();
            if (List.of("SUCCEEDED", "FAILED", "ROLLED_BACK", "ROLLBACK_FAILED").contains(now.state())) {
                return now;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + run.id() + " did not finish: " + runs.find(run.id()).orElseThrow());
    }

    private InspectContainerResponse live() {
        return fx.docker.inspectContainerCmd(name).exec();
    }

    private int healthStatus() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private void awaitHealthy(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (healthStatus() != 200) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the container does not serve /health on port " + port);
            }
            Thread.sleep(100);
        }
    }

    /** What must survive an update: everything but the image and the run label. */
    private static Map<String, Object> configuration(InspectContainerResponse c) {
        Map<String, Object> m = new TreeMap<>();
        m.put("name", c.getName());
        m.put("env", new java.util.TreeSet<>(List.of(c.getConfig().getEnv())));
        Map<String, String> labels = new TreeMap<>(c.getConfig().getLabels());
        labels.remove(DockerApplier.RUN_LABEL);
        m.put("labels", labels);
        m.put("exposed", List.of(c.getConfig().getExposedPorts()).toString());
        m.put("network", c.getHostConfig().getNetworkMode());
        m.put("ports", JSON.valueToTree(c.getHostConfig().getPortBindings()).toString());
        m.put("mounts", JSON.valueToTree(c.getMounts()).toString());
        m.put("restart", String.valueOf(c.getHostConfig().getRestartPolicy()));
        m.put("init", c.getHostConfig().getInit());
        m.put("binds", JSON.valueToTree(c.getHostConfig().getBinds()).toString());
        m.put("cmd", List.of(c.getConfig().getCmd()));
        return m;
    }

    private long pins(String tag) {
        return db.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM pin WHERE asset_id = :a"
                + " AND tag = :t AND removed_at IS NULL").bind("a", assetId).bind("t", tag).mapTo(Long.class).one());
    }

    @Test
    void healthyThenCrashingThenFailingProbeThenMissingImage() throws Exception {
        InspectContainerResponse before = live();
        Map<String, Object> config = configuration(before);

        // 1.0.1: healthy → SUCCEEDED, same configuration, old container removed
        RunRecord ok = decideAndRun("1.0.1");
        assertEquals("SUCCEEDED", ok.state(), ok.error());
        InspectContainerResponse updated = live();
        assertEquals(repo + ":1.0.1", updated.getConfig().getImage());
        assertNotEquals(before.getId(), updated.getId());
        assertEquals(Long.toString(ok.id()), updated.getConfig().getLabels().get(DockerApplier.RUN_LABEL));
        assertEquals(config, configuration(updated));
        assertTrue(updated.getState().getRunning());
        assertEquals(200, healthStatus());
        assertEquals(1, fx.containers().size(), "the old container was removed after verification");
        assertEquals("1.0.1", server.http().get("/api/v1/assets/" + assetId).json().get("currentTag").asText());

        // 1.0.2 exits at once → ROLLED_BACK, the 1.0.1 container running again as it was, 1.0.2 pinned
        RunRecord crash = decideAndRun("1.0.2");
        assertEquals("ROLLED_BACK", crash.state());
        assertTrue(crash.error().contains("container-running"), crash.error());
        InspectContainerResponse restored = live();
        assertEquals(updated.getId(), restored.getId(), "the very 1.0.1 container is back");
        assertEquals(repo + ":1.0.1", restored.getConfig().getImage());
        assertTrue(restored.getState().getRunning());
        assertEquals(config, configuration(restored));
        assertEquals(1, fx.containers().size());
        awaitHealthy(Duration.ofSeconds(10));
        assertEquals(1, pins("1.0.2"));
        Http.Response again = server.http().postJson("/api/v1/assets/" + assetId + "/decide",
                "{\"candidateTag\":\"1.0.2\"}");
        assertNotEquals("APPROVE", again.json().get("outcome").asText(), "a pinned version is not proposed again");
        Thread.sleep(1500); // the scope's failureCooldown (1s) passes

        // 1.0.3 fails its HTTP probe → ROLLED_BACK and pinned
        RunRecord probe = decideAndRun("1.0.3");
        assertEquals("ROLLED_BACK", probe.state());
        assertTrue(probe.error().contains("http-probe"), probe.error());
        assertEquals(updated.getId(), live().getId());
        assertTrue(live().getState().getRunning());
        awaitHealthy(Duration.ofSeconds(10));
        assertEquals(1, pins("1.0.3"));
        Thread.sleep(1500);

        // a tag whose image is missing → FAILED at pre-flight, the container untouched
        InspectContainerResponse beforeMissing = live();
        RunRecord missing = decideAndRun("1.0.9");
        assertEquals("FAILED", missing.state());
        assertTrue(missing.error().contains("pre-flight"), missing.error());
        InspectContainerResponse untouched = live();
        assertEquals(updated.getId(), untouched.getId());
        assertEquals(beforeMissing.getState().getStartedAt(), untouched.getState().getStartedAt(),
                "not even restarted");
        assertEquals(0, pins("1.0.9"));

        // the pins API lists both pins; an admin removes one (audited)
        JsonNode list = server.http().get("/api/v1/pins?assetId=" + assetId).json();
        assertEquals(2, list.get("items").size(), list.toString());
        long pinId = list.get("items").get(0).get("id").asLong();
        Http.Response removed = server.http().send(server.http().request("/api/v1/pins/" + pinId).DELETE());
        assertEquals(200, removed.status(), removed.body());
        assertFalse(removed.json().get("removedAt").isNull());
        assertEquals(1, server.http().get("/api/v1/pins?assetId=" + assetId).json().get("items").size());
        // the metrics moved (present from the start, labelled by source and namespace)
        String metrics = server.http().get("/observe/metrics").body();
        String mine = String.join("\n", metrics.lines().filter(l -> l.contains("updates_") || l.contains("rollbacks")
                || l.contains("health_check") || l.contains("update_duration")).toList());
        for (String[] m : List.of(new String[] {"updates_attempted_total", "3.0"},
                new String[] {"updates_succeeded_total", "1.0"}, new String[] {"updates_failed_total", "3.0"},
                new String[] {"rollbacks_total", "2.0"}, new String[] {"failed_health_checks_total", "2.0"},
                new String[] {"update_duration_seconds_count", "3.0"},
                new String[] {"health_check_duration_seconds_count", "3.0"})) {
            assertTrue(mine.matches("(?s).*safe_updater_" + m[0] + "\\{[^}]*namespace=\"\",[^}]*source=\"docker\""
                    + "[^}]*} " + m[1].replace(".", "\\.") + ".*"), m[0] + " = " + m[1] + " in\n" + mine);
        }
        assertTrue(mine.contains("safe_updater_update_duration_seconds_bucket"), "a histogram:\n" + mine);
    }
}
