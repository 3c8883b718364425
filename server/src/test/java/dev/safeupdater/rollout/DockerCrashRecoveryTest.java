package dev.safeupdater.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.HostConfig;
import dev.safeupdater.app.Main;
import dev.safeupdater.store.RunRecord;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.testing.DockerRollouts;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety on the real engine: {@code serve} (its own process, PostgreSQL) applies updates of several containers;
 * it is killed with SIGKILL while runs are APPLYING or VERIFYING and started again. Every run ends: SUCCEEDED (its
 * container recreated exactly once, by the engine's own create events), or ROLLED_BACK when it was killed before
 * the new container existed (the old one restored, never recreated); no container is updated twice and each run's
 * history is complete.
 */
class DockerCrashRecoveryTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final int CONTAINERS = 6;

    private record Server(Process process, int port) {
    }

    private static Server launch(Path work, Map<String, String> env, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--port", "0", "--rules", TestPaths.rules().toString(), "--log-format", "text"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int port = -1;
        StringBuilder seen = new StringBuilder();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                break;
            }
        }
        if (port < 0) {
            throw new AssertionError("serve did not start:\n" + seen);
        }
        Files.writeString(log, seen.toString(), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        CompletableFuture.runAsync(() -> {
            try (out) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.APPEND);
                }
            } catch (Exception e) {
                // the process went away
            }
        });
        return new Server(p, port);
    }

    @Test
    void killedWhileApplyingAndVerifyingEveryRunEndsOnceAndComplete(@TempDir Path work) throws Exception {
        try (DockerRollouts fx = new DockerRollouts(); TestDatabase db = TestDatabase.postgres()) {
            String registry = fx.startRegistry();
            String repo = registry + "/demo/crash";
            fx.image(repo + ":1.0.0", "exec sleep 3600", false);
            fx.image(repo + ":1.0.1", "exec sleep 3600", false);
            fx.push(repo + ":1.0.1", true);
            Instant start = Instant.now().minusSeconds(1);
            for (int i = 0; i < CONTAINERS; i++) {
                String id = fx.docker.createContainerCmd(repo + ":1.0.0").withName("crash-" + i + "-" + fx.runId)
                        .withEnv("N=" + i).withLabels(Map.of(DockerRollouts.LABEL, fx.runId))
                        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host").withInit(true)).exec()
                        .getId();
                fx.docker.startContainerCmd(id).exec();
            }
            Files.createDirectories(work.resolve("policies"));
            Files.writeString(work.resolve("policies/docker.yaml"), "scopes:\n  - name: containers\n"
                    + "    match: {source: docker}\n    allow: patch\n    allowUnknownAge: true\n");
            Files.writeString(work.resolve("inventory.yaml"), "sources:\n  - name: local\n    type: docker\n"
                    + "    engine: crash-engine\n    host: " + fx.host + "\n    labels: {" + DockerRollouts.LABEL
                    + ": " + fx.runId + "}\n");
            Map<String, String> env = new HashMap<>();
            env.put("SAFE_UPDATER_DB_URL", db.url());
            env.put("SAFE_UPDATER_DB_USER", db.user());
            env.put("SAFE_UPDATER_POLICIES_DIR", work.resolve("policies").toString());
            env.put("SAFE_UPDATER_INVENTORY_FILE", work.resolve("inventory.yaml").toString());
            env.put("SAFE_UPDATER_APPLY_ENABLED", "true");
            env.put("SAFE_UPDATER_APPLY_MAX_PER_NAMESPACE", "3");
            env.put("SAFE_UPDATER_APPLY_LEASE", "3s");
            env.put("SAFE_UPDATER_APPLY_POLL_INTERVAL", "200ms");
            env.put("SAFE_UPDATER_VERIFY_STABLE_FOR", "4s");
            env.put("SAFE_UPDATER_POLICY_WATCH", "false");
            env.put("SAFE_UPDATER_REGISTRY_INSECURE", registry);
            Path log = work.resolve("serve.log");

            Server first = launch(work, env, log);
            RunStore runs = new RunStore(db.database());
            Http http = new Http(first.port());
            assertEquals(201, http.postJson("/api/v1/scan", "{}").status());
            assertEquals(200, http.get("/api/v1/tags?image=" + repo).status()); // records the listing
            JsonNode assets = http.get("/api/v1/assets?source=docker").json().get("items");
            assertEquals(CONTAINERS, assets.size(), assets.toString());
            List<Long> assetIds = new ArrayList<>();
            for (JsonNode a : assets) {
                assetIds.add(a.get("id").asLong());
                Http.Response d = http.postJson("/api/v1/assets/" + a.get("id").asLong() + "/decide",
                        "{\"candidateTag\":\"1.0.1\"}");
                assertEquals("APPROVE", d.json().get("outcome").asText(), d.body());
            }
            // kill -9 as soon as some runs are past CLAIMED (the first three are verifying for 4 s)
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String> atKill = List.of();
            while (System.nanoTime() < end) {
                atKill = assetIds.stream().map(id -> runs.forAsset(id).getFirst().state()).toList();
                if (atKill.stream().filter(s -> s.equals("APPLYING") || s.equals("VERIFYING")).count() >= 2) {
                    break;
                }
                Thread.sleep(20);
            }
            first.process().destroyForcibly();
            assertTrue(first.process().waitFor(20, TimeUnit.SECONDS));
            assertTrue(atKill.stream().anyMatch(s -> s.equals("APPLYING") || s.equals("VERIFYING")),
                    "killed while runs were applying or verifying: " + atKill);
            assertTrue(atKill.stream().noneMatch(s -> s.equals("SUCCEEDED")), "killed before any finished: "
                    + atKill);

            Map<String, RunRecord> finals = new HashMap<>();
            Server second = launch(work, env, log);
            try {
                for (long assetId : assetIds) {
                    RunRecord run = awaitFinal(runs, runs.forAsset(assetId).getFirst().id());
                    finals.put(run.key().name(), run);
                    assertEquals(1, runs.forAsset(assetId).size());
                    List<String> states = runs.events(run.id()).stream().map(e -> e[1]).toList();
                    assertEquals("QUEUED", states.getFirst());
                    assertEquals(run.state(), states.getLast());
                    if (run.state().equals("SUCCEEDED")) {
                        for (String s : List.of("CLAIMED", "APPLYING", "VERIFYING")) {
                            assertTrue(states.contains(s), "history of run " + run.id() + " is complete: " + states);
                        }
                    } else {
                        // killed in APPLYING before the new container existed: restored, never applied again
                        assertEquals("ROLLED_BACK", run.state(), run + "\n" + Files.readString(log));
                        assertTrue(run.error().contains("interrupted before the change landed"), run.error());
                        assertTrue(states.containsAll(List.of("CLAIMED", "APPLYING", "ROLLING_BACK")), states.toString());
                    }
                }
                assertTrue(finals.values().stream().filter(r -> r.state().equals("SUCCEEDED")).count()
                        >= atKill.stream().filter(s -> s.equals("VERIFYING")).count(), "verifying runs succeeded");
            } finally {
                second.process().destroy();
                second.process().waitFor(20, TimeUnit.SECONDS);
            }
            // the engine's own record: each container was created twice, by this test and by its one update
            Map<String, AtomicInteger> creates = new HashMap<>();
            fx.docker.eventsCmd().withSince(Long.toString(start.getEpochSecond()))
                    .withUntil(Long.toString(Instant.now().getEpochSecond() + 1))
                    .withEventFilter("create").withLabelFilter(Map.of(DockerRollouts.LABEL, fx.runId))
                    .exec(new ResultCallback.Adapter<Event>() {
                        @Override
                        public void onNext(Event e) {
                            String name = e.getActor().getAttributes().get("name");
                            creates.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                        }
                    }).awaitCompletion(30, TimeUnit.SECONDS);
            for (int i = 0; i < CONTAINERS; i++) {
                String name = "crash-" + i + "-" + fx.runId;
                RunRecord run = finals.get(name);
                var live = fx.docker.inspectContainerCmd(name).exec();
                if (run.state().equals("SUCCEEDED")) {
                    assertEquals(2, creates.get(name).get(), "container " + name + " was updated once: " + creates);
                    assertEquals(repo + ":1.0.1", live.getConfig().getImage());
                } else {
                    assertEquals(1, creates.get(name).get(), "container " + name + " was never recreated");
                    assertEquals(repo + ":1.0.0", live.getConfig().getImage());
                }
                assertTrue(live.getState().getRunning());
                assertTrue(List.of(live.getConfig().getEnv()).contains("N=" + i), "env kept");
            }
            assertEquals(CONTAINERS, fx.containers().size(), "no old container left behind");
        }
    }

    private static RunRecord awaitFinal(RunStore runs, long id) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < end) {
            RunRecord r = runs.find(id).orElseThrow();
            if (List.of("SUCCEEDED", "FAILED", "ROLLED_BACK", "ROLLBACK_FAILED").contains(r.state())) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not finish: " + runs.find(id).orElseThrow());
    }
}
