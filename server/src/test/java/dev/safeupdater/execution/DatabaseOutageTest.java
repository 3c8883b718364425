package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.RunRecord;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.testing.TcpProxy;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away for 30 s while a run is verifying (a TCP proxy in front of it drops every connection and refuses
 * new ones): the executor keeps the run, the server's readiness is DOWN meanwhile, and when the database is back the
 * run ends SUCCEEDED with every transition recorded.
 */
class DatabaseOutageTest {

    @Test
    void aRunSurvivesThirtySecondsWithoutTheDatabase(@TempDir Path dir) throws Exception {
        try (TestDatabase pg = TestDatabase.postgres(); TcpProxy proxy = new TcpProxy(5432)) {
            String url = pg.url().replace("127.0.0.1:5432", "127.0.0.1:" + proxy.port());
            assertTrue(url.contains(":" + proxy.port() + "/"), url);
            Files.createDirectories(dir.resolve("policies"));
            Files.writeString(dir.resolve("policies/all.yaml"), "scopes:\n  - name: all\n    allow: major\n");
            Clock clock = Clock.systemUTC();
            try (Database db = Database.open(url, pg.user(), "", 4);
                 TestServer server = TestServer.start(pg, Map.of("db.url", url, "policy.watch", "false"))) {
                PolicyEngine policy = new PolicyEngine(clock, new PolicySources(TestPaths.rules(),
                        dir.resolve("policies"), null, false), new Candidates());
                new PolicyService(policy).reload("test");
                PolicySnapshot snapshot = policy.require();
                AssetStore assets = new AssetStore(db, clock);
                RunStore runs = new RunStore(db);
                Asset a = assets.upsert(new AssetKey("docker", "engine", "outage", "Container", "web", ""), "demo/web",
                        "1.0.0", null, Map.of(), Map.of(), "test").asset();
                Decision d = new DecisionStore(db).append(new Decision(0, a.id(), "1.0.0", "1.0.1", null, null,
                        ChangeType.PATCH, Outcome.APPROVE, List.of("ok"), List.of(), null,
                        snapshot.rules().revision(), snapshot.policies().revision(), "all", "ENFORCE", Map.of(),
                        "test", clock.instant()));
                assertEquals(1, new RunPlanner(runs, assets, true, clock).enqueueApproved(List.of(d)));
                long runId = runs.forAsset(a.id()).getFirst().id();

                FakeApplier applier = new FakeApplier();
                applier.running.put("web", "demo/web:1.0.0");
                applier.verifyTakes = Duration.ofSeconds(3);
                try (RunExecutor ex = new RunExecutor(runs, assets, new Appliers().register("docker", "", applier),
                        policy, null, new ApplyOptions(true, 10, 2, Duration.ofSeconds(60), Duration.ofMillis(100),
                        Duration.ofSeconds(30)), clock)) {
                    ex.start();
                    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!runs.find(runId).orElseThrow().state().equals("VERIFYING")) {
                        assertTrue(System.nanoTime() < end, "the run reached VERIFYING");
                        Thread.sleep(20);
                    }
                    assertEquals(200, server.http().get("/observe/health/ready").status());
                    proxy.cut();
                    Thread.sleep(5_000);
                    var ready = server.http().get("/observe/health/ready");
                    assertEquals(503, ready.status(), "readiness is DOWN without the database: " + ready.body());
                    Thread.sleep(25_000);
                    assertEquals(503, server.http().get("/observe/health/ready").status());
                    assertEquals(1, ex.working(), "the executor still holds the run");
                    proxy.restore();
                    RunRecord done = null;
                    end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (System.nanoTime() < end) {
                        done = new RunStore(pg.database()).find(runId).orElseThrow();
                        if (done.state().equals("SUCCEEDED")) {
                            break;
                        }
                        Thread.sleep(100);
                    }
                    assertEquals("SUCCEEDED", done.state(), String.valueOf(done));
                    assertEquals(List.of("QUEUED", "CLAIMED", "APPLYING", "VERIFYING", "SUCCEEDED"),
                            new RunStore(pg.database()).events(runId).stream().map(e -> e[1]).toList());
                    assertEquals(1, applier.appliesOf(runId));
                    end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (server.http().get("/observe/health/ready").status() != 200) {
                        assertTrue(System.nanoTime() < end, "readiness is UP again");
                        Thread.sleep(200);
                    }
                }
            }
        }
    }
}
