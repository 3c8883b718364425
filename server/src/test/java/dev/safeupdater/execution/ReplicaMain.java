package dev.safeupdater.execution;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.RunStore;

/**
 * One replica for {@link TwoReplicasTest}, as its own process: an executor with an in-process applier on the given
 * PostgreSQL schema; starts when the file GO exists, stops when no run is unfinished, and writes the run ids it
 * applied (one a line) to OUT.
 *
 * <p>Usage: ReplicaMain JDBC_URL USER RULES_DIR POLICIES_DIR GO OUT
 */
public final class ReplicaMain {
    private ReplicaMain() {
    }

    public static void main(String[] args) throws Exception {
        Clock clock = Clock.systemUTC();
        try (Database db = Database.open(args[0], args[1], "", 8)) {
            PolicyEngine policy = new PolicyEngine(clock, new PolicySources(Path.of(args[2]), Path.of(args[3]), null,
                    false), new Candidates());
            new PolicyService(policy).reload("replica");
            FakeApplier applier = new FakeApplier();
            applier.verifyTakes = Duration.ofMillis(100);
            RunExecutor ex = new RunExecutor(new RunStore(db), new AssetStore(db, clock),
                    new Appliers().register("docker", "", applier), policy, null,
                    new ApplyOptions(true, 6, 6, Duration.ofSeconds(30), Duration.ofMillis(50), Duration.ofSeconds(10)),
                    clock);
            Path go = Path.of(args[4]);
            while (!Files.exists(go)) {
                Thread.sleep(20);
            }
            ex.start();
            long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(200);
                long open = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM update_run"
                        + " WHERE finished_at IS NULL").mapTo(Long.class).one());
                if (open == 0 && ex.working() == 0) {
                    break;
                }
            }
            ex.close();
            List<String> lines = new ArrayList<>();
            applier.applies.forEach((run, n) -> {
                for (int i = 0; i < n.get(); i++) {
                    lines.add(Long.toString(run));
                }
            });
            Files.write(Path.of(args[5]), lines);
        }
        System.exit(0);
    }
}
