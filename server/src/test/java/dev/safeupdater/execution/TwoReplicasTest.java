package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server processes on one PostgreSQL with 50 approved runs (each process an executor with an in-process applier
 * counting applies): every run is applied exactly once, both processes work, every run SUCCEEDED.
 */
class TwoReplicasTest {

    @Test
    void fiftyRunsAppliedExactlyOnceByTwoProcesses(@TempDir Path dir) throws Exception {
        try (TestDatabase pg = TestDatabase.postgres()) {
            Files.createDirectories(dir.resolve("policies"));
            Files.writeString(dir.resolve("policies/all.yaml"), "scopes:\n  - name: all\n    allow: major\n");
            Clock clock = Clock.systemUTC();
            PolicyEngine policy = new PolicyEngine(clock, new PolicySources(TestPaths.rules(), dir.resolve("policies"),
                    null, false), new Candidates());
            new PolicyService(policy).reload("test");
            PolicySnapshot snapshot = policy.require();
            AssetStore assets = new AssetStore(pg.database(), clock);
            DecisionStore decisions = new DecisionStore(pg.database());
            RunStore runs = new RunStore(pg.database());
            RunPlanner planner = new RunPlanner(runs, assets, true, clock);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Asset a = assets.upsert(new AssetKey("docker", "engine", "ns-" + (i % 4), "Container", "w" + i, ""),
                        "demo/web", "1.0.0", null, Map.of(), Map.of(), "test").asset();
                Decision d = decisions.append(new Decision(0, a.id(), "1.0.0", "1.0.1", null, null, ChangeType.PATCH,
                        Outcome.APPROVE, List.of("ok"), List.of(), null, snapshot.rules().revision(),
                        snapshot.policies().revision(), "all", "ENFORCE", Map.of(), "test", clock.instant()));
                assertEquals(1, planner.enqueueApproved(List.of(d)));
                ids.add(runs.forAsset(a.id()).getFirst().id());
            }
            Path go = dir.resolve("go");
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--sun-misc-unsafe-memory-access=allow", "-Dsafeupdater.log.level=WARN",
                        "-cp", System.getProperty("java.class.path"), ReplicaMain.class.getName(), pg.url(), pg.user(),
                        TestPaths.rules().toString(), dir.resolve("policies").toString(), go.toString(),
                        dir.resolve("applied-" + p).toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("log-" + p).toFile()).start());
            }
            Thread.sleep(3000); // both have compiled their rules and wait for the start signal
            Files.writeString(go, "go");
            for (int p = 0; p < 2; p++) {
                assertTrue(processes.get(p).waitFor(4, TimeUnit.MINUTES), "replica " + p + " finished");
                assertEquals(0, processes.get(p).exitValue(), Files.readString(dir.resolve("log-" + p)));
            }
            Map<Long, Integer> applies = new HashMap<>();
            int[] perProcess = new int[2];
            for (int p = 0; p < 2; p++) {
                for (String line : Files.readAllLines(dir.resolve("applied-" + p))) {
                    applies.merge(Long.parseLong(line), 1, Integer::sum);
                    perProcess[p]++;
                }
            }
            for (long id : ids) {
                assertEquals(1, applies.getOrDefault(id, 0), "run " + id + " applied exactly once: " + applies);
                assertEquals("SUCCEEDED", runs.find(id).orElseThrow().state());
            }
            assertEquals(50, perProcess[0] + perProcess[1]);
            assertTrue(perProcess[0] > 0 && perProcess[1] > 0, "both replicas worked: " + perProcess[0] + " + "
                    + perProcess[1]);
        }
    }
}
