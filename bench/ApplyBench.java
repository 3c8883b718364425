import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.dockerjava.api.model.HostConfig;
import dev.safeupdater.app.Application;
import dev.safeupdater.app.Settings;
import dev.safeupdater.execution.DecideRequest;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.store.RunRecord;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.testing.DockerRollouts;

/**
 * N busybox containers (host network, each serving its own port) on 1.0.0, a registry with 1.0.1: the product's own
 * path (inventory scan of the engine, a decision per asset, the planner, the executor with the Docker applier) updates
 * all of them with apply.max-concurrent=C. The engine's own work per update is measured first by recreating
 * containers directly (inspect, stop, rename, create, start, remove: what the applier asks of the engine), so the
 * overhead is the run's time beyond that and beyond verify.stable-for.
 *
 * <p>Usage: ApplyBench N C STABLE_FOR
 */
public class ApplyBench {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int concurrent = Integer.parseInt(args[1]);
        String stable = args[2];
        Path dir = Files.createTempDirectory("apply-bench");
        try (DockerRollouts fx = new DockerRollouts()) {
            String registry = fx.startRegistry();
            String repo = registry + "/bench/web";
            String shell = "exec httpd -f -p 127.0.0.1:$PORT -h /www";
            fx.image(repo + ":1.0.0", shell, true);
            fx.image(repo + ":1.0.1", shell, true);
            fx.push(repo + ":1.0.1", true);
            for (int i = 0; i < n; i++) {
                String id = fx.docker.createContainerCmd(repo + ":1.0.0").withName("bench-" + i + "-" + fx.runId)
                        .withEnv("PORT=" + DockerRollouts.freePort()).withLabels(Map.of(DockerRollouts.LABEL, fx.runId))
                        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host").withInit(true)).exec().getId();
                fx.docker.startContainerCmd(id).exec();
            }
            double engineMs = engineBaseline(fx, repo, Math.min(10, n));
            System.err.printf("engine's own work per recreate (inspect, stop, rename, create, start, remove): %.0f ms%n",
                    engineMs);

            Files.createDirectories(dir.resolve("policies"));
            Files.writeString(dir.resolve("policies/bench.yaml"), "scopes:\n  - name: bench\n    match: {source: docker}\n"
                    + "    allow: patch\n    allowUnknownAge: true\n");
            Files.writeString(dir.resolve("inventory.yaml"), "sources:\n  - name: bench\n    type: docker\n"
                    + "    engine: bench\n    host: " + fx.host + "\n    labels: {" + DockerRollouts.LABEL + ": "
                    + fx.runId + "}\n");
            Map<String, String> flags = new HashMap<>();
            flags.put("db.url", "jdbc:h2:mem:applybench;DB_CLOSE_DELAY=-1");
            flags.put("db.pool-size", "30");
            flags.put("rules.dir", Path.of(System.getProperty("user.dir")).resolve("rules").toString());
            flags.put("policies.dir", dir.resolve("policies").toString());
            flags.put("inventory.file", dir.resolve("inventory.yaml").toString());
            flags.put("apply.enabled", "true");
            flags.put("apply.max-concurrent", Integer.toString(concurrent));
            flags.put("apply.max-per-namespace", Integer.toString(concurrent)); // plain containers share namespace ""
            flags.put("apply.poll-interval", "200ms");
            flags.put("verify.stable-for", stable);
            flags.put("log.level", "WARN");
            flags.put("registry.insecure", registry);
            Settings settings = Settings.load(flags, Map.of(), Path.of(System.getProperty("user.dir")));
            Services services = Application.services(settings, true, Clock.systemUTC());
            try {
                services.scans().scan(List.of(), "bench", dev.safeupdater.execution.ScanListener.NONE);
                List<Asset> assets = services.assets().list(new AssetFilter("docker", null, null, null, null, null,
                        null), null, 500).items();
                if (assets.size() != n) {
                    throw new IllegalStateException("scanned " + assets.size() + " containers, not " + n);
                }
                services.tags().tags(repo, 0); // the registry stage records the listing decisions are checked against
                for (Asset a : assets) {
                    Decision d = services.decisions().decide(a.id(), new DecideRequest("1.0.1", null), "bench");
                    if (!d.outcome().name().equals("APPROVE")) {
                        throw new IllegalStateException("decision " + d.outcome() + " " + d.reasons());
                    }
                }
                RunStore runs = new RunStore(services.database());
                List<Long> ids = new ArrayList<>();
                for (Asset a : assets) {
                    ids.add(runs.forAsset(a.id()).getFirst().id());
                }
                var executor = services.rollouts().executor();
                AtomicInteger maxActive = new AtomicInteger();
                long t0 = System.nanoTime();
                executor.start();
                int succeeded = 0;
                int finished = 0;
                while (finished < n) {
                    Thread.sleep(50);
                    int active = services.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM"
                            + " update_run WHERE state IN ('CLAIMED','APPLYING','VERIFYING','ROLLING_BACK')")
                            .mapTo(Integer.class).one());
                    maxActive.accumulateAndGet(active, Math::max);
                    finished = services.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM"
                            + " update_run WHERE finished_at IS NOT NULL").mapTo(Integer.class).one());
                    if (System.nanoTime() - t0 > Duration.ofMinutes(15).toNanos()) {
                        throw new IllegalStateException("not finished after 15 minutes: " + finished + " of " + n);
                    }
                }
                double total = (System.nanoTime() - t0) / 1e9;
                double runSum = 0;
                for (long id : ids) {
                    RunRecord r = runs.find(id).orElseThrow();
                    if (r.state().equals("SUCCEEDED")) {
                        succeeded++;
                    } else {
                        System.err.println("run " + id + " ended " + r.state() + ": " + r.error());
                    }
                    runSum += services.database().jdbi().withHandle(h -> h.createQuery(
                            "SELECT MIN(at) AS a, MAX(at) AS b FROM run_event WHERE run_id = :r AND to_state IN"
                                    + " ('APPLYING', 'SUCCEEDED', 'FAILED', 'ROLLED_BACK', 'ROLLBACK_FAILED')")
                            .bind("r", id).map((rs, ctx) -> Duration.between(
                                    rs.getObject("a", java.time.OffsetDateTime.class),
                                    rs.getObject("b", java.time.OffsetDateTime.class)).toMillis()).one());
                }
                double meanRunMs = runSum / n;
                double stableMs = settings.duration("verify.stable-for").toMillis();
                System.out.printf("updates: %d, apply.max-concurrent: %d, verify.stable-for: %s%n", n, concurrent, stable);
                System.out.printf("total: %.1f s (%.2f updates/s)%n", total, n / total);
                System.out.printf("most runs at once: %d sampled, %d at the executor's claims (limit %d)%n",
                        maxActive.get(),
                        executor.peakConcurrent(), concurrent);
                System.out.printf("mean run (APPLYING to SUCCEEDED): %.0f ms = engine %.0f ms + stable-for %.0f ms"
                        + " + overhead %.0f ms%n", meanRunMs, engineMs, stableMs, meanRunMs - engineMs - stableMs);
                System.out.printf("overhead per update beyond the engine's work and stable-for: %.0f ms%n",
                        meanRunMs - engineMs - stableMs);
                System.out.printf("SUCCEEDED: %d of %d%n", succeeded, n);
                if (maxActive.get() > concurrent || executor.peakConcurrent() > concurrent) {
                    throw new IllegalStateException("more than " + concurrent + " runs at once");
                }
                System.out.printf("apply: %d succeeded in %.1f s%n", succeeded, total);
            } finally {
                services.close();
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Mean time of the engine calls of one recreate, done directly on throw-away containers. */
    private static double engineBaseline(DockerRollouts fx, String repo, int count) throws Exception {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            String name = "baseline-" + i + "-" + fx.runId;
            String id = fx.docker.createContainerCmd(repo + ":1.0.0").withName(name)
                    .withEnv("PORT=" + DockerRollouts.freePort()).withLabels(Map.of(DockerRollouts.LABEL, fx.runId))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host").withInit(true)).exec().getId();
            fx.docker.startContainerCmd(id).exec();
            long t0 = System.nanoTime();
            var old = fx.docker.inspectContainerCmd(name).exec();
            fx.docker.inspectImageCmd(old.getImageId()).exec();
            fx.docker.stopContainerCmd(id).withTimeout(10).exec();
            fx.docker.renameContainerCmd(id).withName(name + "-old").exec();
            String fresh = fx.docker.createContainerCmd(repo + ":1.0.0").withName(name).withEnv(old.getConfig().getEnv())
                    .withLabels(old.getConfig().getLabels()).withHostConfig(old.getHostConfig()).exec().getId();
            fx.docker.startContainerCmd(fresh).exec();
            fx.docker.inspectContainerCmd(fresh).exec();
            fx.docker.removeContainerCmd(id).withForce(true).exec();
            sum += System.nanoTime() - t0;
            fx.docker.removeContainerCmd(fresh).withForce(true).exec();
        }
        return sum / 1e6 / count;
    }
}
