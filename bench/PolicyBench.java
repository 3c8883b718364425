import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.safeupdater.execution.Candidates;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.CandidateSpec;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.model.History;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicyInput;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicySources;

/**
 * Batch evaluation through the shipped rules and policies: N candidates (default 100,000) from a realistic estate
 * — clusters prod, staging, edge and dev, preview namespaces, Docker hosts; several candidates per workload; patch,
 * minor, major, digest, prerelease and downgrade changes; known and unknown release times; some pins, failures and
 * votes — evaluated in one call per round. Scope matching is included in the time; building the candidates is not.
 * Usage: PolicyBench.java RULES_DIR POLICIES_DIR [N] [ROUNDS]
 */
public class PolicyBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        PolicyEngine engine = new PolicyEngine(Clock.systemUTC(), new PolicySources(Path.of(args[0]),
                Path.of(args[1])), new Candidates());
        PolicySnapshot s = engine.reload("bench");
        Instant now = Instant.parse("2026-03-10T21:30:00Z"); // Tuesday night: prod's nightly window is open
        List<PolicyInput> inputs = estate(n, now);
        System.out.printf("rules: %d, scopes: %d, candidates: %d, processors: %d, constraint JIT: %s%n",
                s.rules().ruleNames().size(), s.policies().scopes().size(), n,
                Runtime.getRuntime().availableProcessors(), s.rules().constraintJit());
        List<Double> rates = new ArrayList<>();
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        for (int r = 0; r < rounds; r++) {
            long t = System.nanoTime();
            List<Evaluation> out = engine.evaluateAll(inputs, now);
            double seconds = (System.nanoTime() - t) / 1e9;
            if (out.size() != n) {
                throw new IllegalStateException("lost evaluations");
            }
            if (r == 0) {
                out.forEach(e -> outcomes.merge(e.outcome(), 1, Integer::sum));
            }
            double rate = n / seconds;
            System.out.printf("round %d: %.0f ms, %.0f decisions/s%s%n", r + 1, seconds * 1000, rate,
                    r < rounds / 2 ? " (warm-up)" : "");
            if (r >= rounds / 2) {
                rates.add(rate);
            }
        }
        System.out.println("outcomes: " + outcomes);
        List<Double> sorted = rates.stream().sorted().toList();
        System.out.printf("policy: %.0f decisions/s%n", sorted.get(sorted.size() / 2));
    }

    static List<PolicyInput> estate(int n, Instant now) {
        Random rnd = new Random(42);
        Candidates candidates = new Candidates();
        List<PolicyInput> out = new ArrayList<>(n);
        String[] tags = {"1.4.3", "1.4.3", "1.4.3", "1.5.0", "1.5.0", "2.0.0", "1.4.2", "1.4.1", "1.5.0-rc.1"};
        for (int i = 0; i < n; i++) {
            int workload = i / 3; // about three candidates per workload
            int where = workload % 20;
            String source = where < 2 ? "docker" : "kubernetes";
            String cluster = where < 2 ? "" : where < 10 ? "prod" : where < 14 ? "staging" : where < 17 ? "edge-"
                    + (workload % 4) : "dev";
            String namespace = where == 13 ? "preview-" + (workload % 50) : "team-" + (workload % 40);
            String kind = workload % 5 == 0 ? "StatefulSet" : "Deployment";
            Map<String, String> labels = Map.of("app.kubernetes.io/name", "app-" + workload, "tier",
                    workload % 17 == 0 ? "critical" : "web", "team", "team-" + (workload % 40));
            String to = tags[rnd.nextInt(tags.length)];
            boolean digestOnly = rnd.nextInt(25) == 0;
            Instant released = rnd.nextInt(6) == 0 ? null : now.minus(Duration.ofHours(rnd.nextInt(24 * 14)));
            Candidate c = candidates.build(new CandidateSpec(source, cluster, namespace, kind, "app-" + workload,
                    "main", labels, Map.of(), "registry.example.com/team-" + (workload % 40) + "/app-" + workload,
                    "1.4.2", digestOnly ? "sha256:" + "1".repeat(64) : null, digestOnly ? "1.4.2" : to,
                    digestOnly ? "sha256:" + "2".repeat(64) : null, null, released,
                    released == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.REGISTRY));
            History h = History.EMPTY;
            int story = rnd.nextInt(100);
            if (story < 3) {
                h = new History(List.of(), List.of(new History.Pin(to, null, "rolled back", "rollback",
                        now.minus(Duration.ofDays(2)))), List.of(), null);
            } else if (story < 6) {
                h = new History(List.of(new History.Failure("1.4.1", "1.4.2", null, "ROLLED_BACK",
                        now.minus(Duration.ofHours(rnd.nextInt(24 * 10))), "readiness failed")), List.of(), List.of(),
                        null);
            } else if (story < 10) {
                h = new History(List.of(), List.of(), List.of(new History.Approval("alice",
                        now.minus(Duration.ofHours(rnd.nextInt(72))))), new History.LastUpdate("1.4.1", "1.4.2",
                        now.minus(Duration.ofDays(20))));
            }
            out.add(new PolicyInput(c, h));
        }
        return out;
    }
}
