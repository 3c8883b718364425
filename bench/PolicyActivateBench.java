import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.safeupdater.execution.Candidates;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicySources;

/**
 * Compiles and activates a 200-rule set (10 files of 20 rules in one package, as a policy repository extending
 * the shipped rules would be, shaped like the shipped ones: single-fact rules,
 * joins on the candidate link, the clock, from) with the shipped policies. "Cold" is the first activation in this
 * JVM (Drools initialising included); "warm" activations follow, each with one file edited so the whole set is
 * compiled again; the warm figure is the median of the second half of the runs. Usage: PolicyActivateBench.java
 * POLICIES_DIR [WARM_RUNS]
 */
public class PolicyActivateBench {
    public static void main(String[] args) throws Exception {
        Path policies = Path.of(args[0]);
        int warmRuns = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path rules = Files.createTempDirectory("bench-rules");
        try {
            for (int f = 0; f < 10; f++) {
                Files.writeString(rules.resolve("set" + f + ".drl"), file(f, ""));
            }
            PolicyEngine engine = new PolicyEngine(Clock.systemUTC(), new PolicySources(rules, policies),
                    new Candidates());
            long t0 = System.nanoTime();
            PolicySnapshot s = engine.reload("bench");
            double cold = (System.nanoTime() - t0) / 1e6;
            System.out.printf("rules: %d in %d files, scopes: %d, constraint JIT: %s%n", s.rules().ruleNames().size(),
                    s.rules().files().size(), s.policies().scopes().size(), s.rules().constraintJit());
            if (s.rules().ruleNames().size() != 200) {
                throw new IllegalStateException("expected 200 rules");
            }
            System.out.printf("cold activation: %.0f ms%n", cold);
            List<Double> warm = new ArrayList<>();
            for (int i = 0; i < warmRuns; i++) {
                Files.writeString(rules.resolve("set" + (i % 10) + ".drl"), file(i % 10, "// edit " + i + "\n"));
                long t = System.nanoTime();
                PolicySnapshot next = engine.reload("bench");
                warm.add((System.nanoTime() - t) / 1e6);
                if (next.rules().revision().equals(s.rules().revision())) {
                    throw new IllegalStateException("the edited set was not compiled again");
                }
                s = next;
            }
            // "warm": the median of the second half, once the JVM has compiled the rule compiler's hot code
            List<Double> sorted = warm.subList(warm.size() / 2, warm.size()).stream().sorted().toList();
            System.out.printf("warm activations: %s ms%n", warm.stream().map(d -> String.format("%.0f", d)).toList());
            System.out.printf("policy-activate-cold: %.0f ms%n", cold);
            System.out.printf("policy-activate: %.0f ms%n", sorted.get(sorted.size() / 2));
        } finally {
            try (Stream<Path> walk = Files.walk(rules)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Twenty rules of the shapes owners write, named uniquely per file. */
    static String file(int f, String edit) {
        StringBuilder sb = new StringBuilder(edit);
        sb.append("package safeupdater.rules;\n")
                .append("import dev.safeupdater.model.Candidate;\n")
                .append("import dev.safeupdater.model.ChangeType;\n")
                .append("import dev.safeupdater.policy.*;\n")
                .append("import dev.safeupdater.model.History.Failure;\n")
                .append("global dev.safeupdater.policy.Verdict verdict;\n\n");
        String[] types = {"PATCH", "MINOR", "MAJOR", "DIGEST", "PRERELEASE"};
        for (int r = 0; r < 20; r++) {
            String name = "f" + f + "-r" + r;
            sb.append("rule \"").append(name).append("\"\n    @owner(\"team-").append(r % 5)
                    .append("\")\n    @description(\"generated rule ").append(r).append("\")\nwhen\n");
            switch (r % 5) {
                case 0 -> sb.append("    $c : Candidate( changeType == ChangeType.").append(types[r % 5])
                        .append(", namespace == \"ns-").append(r).append("\", image != null )\n")
                        .append("then\n    verdict.hold($c, \"").append(name).append(": \" + $c.candidateTag());\n");
                case 1 -> sb.append("    $s : Scope( name == \"scope-").append(r)
                        .append("\", candidate.changeType == ChangeType.").append(types[r % 5])
                        .append(", !prerelease )\nthen\n    verdict.hold($s.candidate(), \"").append(name)
                        .append(" in \" + $s.name());\n");
                case 2 -> sb.append("    $h : AssetHistory( hasFailures )\n")
                        .append("    $s : Scope( candidate == $h.candidate, priority > ").append(r).append(" )\n")
                        .append("    Clock( $now : now )\n")
                        .append("    $f : Failure() from $h.lastFailureSince($now.minusSeconds(").append(3600 * r)
                        .append("))\nthen\n    verdict.hold($s.candidate(), \"").append(name)
                        .append(" \" + $f.state());\n");
                case 3 -> sb.append("    Clock( $now : now )\n    $s : Scope( hasMaintenanceWindows,")
                        .append(" inMaintenanceWindow($now), approvalsRequired > ").append(r % 3).append(" )\n")
                        .append("    $h : AssetHistory( candidate == $s.candidate,")
                        .append(" approvalsSince($now.minus($s.approvalDeadline())) < ").append(r % 4 + 1)
                        .append(" )\nthen\n    verdict.hold($s.candidate(), \"").append(name).append("\");\n");
                default -> sb.append("    $c : Candidate( labels[\"team\"] == \"t").append(r)
                        .append("\", currentPrerelease == false )\n    not Scope( candidate == $c )\n")
                        .append("then\n    verdict.reject($c, \"").append(name).append(" \" + $c.asset().display());\n");
            }
            sb.append("end\n\n");
        }
        return sb.toString();
    }
}
