package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.safeupdater.execution.EvaluateRequest;
import dev.safeupdater.model.History;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.Mode;
import dev.safeupdater.policy.ScopeMatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate",
        description = {"Evaluate one candidate against the rules and policy scopes in this process (no server,"
                + " nothing stored) and explain the outcome: the scope that matched and why, every rule that fired"
                + " with its reason and metadata, and the rule that decided.",
                "Exit 0 whatever the outcome; 2 for invalid input, 1 when the rules or policies are refused."})
final class EvaluateCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "REPOSITORY", description = "Image repository, e.g. nginx.")
    String image;

    @Option(names = "--current", required = true, paramLabel = "TAG", description = "Tag running now.")
    String current;

    @Option(names = "--candidate", required = true, paramLabel = "TAG", description = "Tag to move to.")
    String candidate;

    @Option(names = "--current-digest", paramLabel = "DIGEST")
    String currentDigest;

    @Option(names = "--candidate-digest", paramLabel = "DIGEST")
    String candidateDigest;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Asset source (default static).")
    String source;

    @Option(names = "--cluster", paramLabel = "NAME")
    String cluster;

    @Option(names = "--namespace", paramLabel = "NAME")
    String namespace;

    @Option(names = "--kind", paramLabel = "KIND", description = "Workload kind, e.g. Deployment.")
    String kind;

    @Option(names = "--name", paramLabel = "NAME", description = "Workload name.")
    String name;

    @Option(names = "--container", paramLabel = "NAME")
    String container;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Workload label (repeatable).")
    Map<String, String> labels;

    @Option(names = "--annotation", paramLabel = "KEY=VALUE", description = "Workload annotation (repeatable).")
    Map<String, String> annotations;

    @Option(names = "--release-time", paramLabel = "INSTANT",
            description = "When the candidate was released, e.g. 2026-03-01T12:00:00Z (default: unknown).")
    Instant releaseTime;

    @Option(names = "--release-source", paramLabel = "CALLER|REGISTRY|IMAGE_CONFIG|UNKNOWN",
            description = "Where the release time came from (default CALLER, i.e. given here, when --release-time is"
                    + " given).")
    String releaseSource;

    @Option(names = "--at", paramLabel = "INSTANT", description = "Evaluate at this time (default: now).")
    Instant at;

    @Option(names = "--pinned", paramLabel = "TAG", description = "Assume TAG is pinned for the asset (repeatable).")
    List<String> pinned;

    @Option(names = "--failed-at", paramLabel = "INSTANT",
            description = "Assume an update of the asset failed at this time (repeatable).")
    List<Instant> failedAt;

    @Option(names = "--failed-version", paramLabel = "TAG",
            description = "The version the failed update tried to move to (default: the candidate); once for every"
                    + " --failed-at, or once per --failed-at in the same order.")
    List<String> failedVersion;

    @Option(names = "--failed-state", paramLabel = "FAILED|ROLLED_BACK|ROLLBACK_FAILED",
            description = "How the failed update ended (default FAILED); once for every --failed-at, or once per"
                    + " --failed-at in the same order.")
    List<String> failedState;

    @Option(names = "--approved-by", paramLabel = "NAME",
            description = "Assume NAME voted for the candidate at the evaluation time (repeatable).")
    List<String> approvedBy;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
    String format;

    EvaluateCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        if (!format.equals("text") && !format.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be text or json, not " + format);
        }
        List<History.Failure> failures = failures();
        Services services = launcher.open(common.flags(), false);
        Instant when = at != null ? at : Instant.now();
        History history = new History(failures,
                pinned == null ? null : pinned.stream().map(t -> new History.Pin(t, null, "pinned (--pinned)",
                        "cli", null)).toList(),
                approvedBy == null ? null : approvedBy.stream().map(n -> new History.Approval(n, when)).toList(),
                null);
        Evaluation e = services.decisions().evaluate(new EvaluateRequest(source, cluster, namespace, kind, name,
                container, image, current, currentDigest, candidate, candidateDigest, labels, annotations,
                releaseTime, releaseSource, when, history));
        PrintWriter out = spec.commandLine().getOut();
        if ("json".equals(format)) {
            out.println(PolicyCommand.json().writerWithDefaultPrettyPrinter().writeValueAsString(e.explanation()));
        } else {
            printText(out, e);
        }
        out.flush();
        return 0;
    }

    /** The assumed failures: each --failed-at with its version and state (given once for all, or once each). */
    private List<History.Failure> failures() {
        int n = failedAt == null ? 0 : failedAt.size();
        if (n == 0) {
            if (failedVersion != null || failedState != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--failed-version and --failed-state describe a --failed-at: give --failed-at TIME too");
            }
            return null;
        }
        for (var given : List.of(Map.entry("--failed-version", failedVersion == null ? List.<String>of()
                : failedVersion), Map.entry("--failed-state", failedState == null ? List.<String>of() : failedState))) {
            int k = given.getValue().size();
            if (k > 1 && k != n) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), given.getKey() + " is given "
                        + k + " times for " + n + " --failed-at: give it once (for all) or once per --failed-at");
            }
        }
        List<History.Failure> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String version = pick(failedVersion, i, candidate);
            String state = pick(failedState, i, "FAILED");
            out.add(new History.Failure(null, version, null, state, failedAt.get(i), null));
        }
        return out;
    }

    private static String pick(List<String> values, int i, String fallback) {
        if (values == null || values.isEmpty()) {
            return fallback;
        }
        return values.size() == 1 ? values.getFirst() : values.get(i);
    }

    static void printText(PrintWriter out, Evaluation e) {
        Candidate c = e.candidate();
        out.printf("Outcome:   %s%s%n", e.outcome(), e.decidedBy() == null ? "  (no rule spoke)"
                : "  (decided by " + e.decidedBy() + ")");
        out.printf("Mode:      %s%s%n", e.mode(), e.mode() == Mode.DRY_RUN ? "  (recorded, never applied)" : "");
        out.printf("Change:    %s  %s %s -> %s%n", c.changeType(), c.image(), c.currentTag(), c.candidateTag());
        out.printf("Asset:     %s%n", c.asset().display());
        out.printf("Released:  %s%n", c.releaseTime() == null ? "unknown" : c.releaseTime() + " ("
                + c.releaseTimeSource() + ")");
        if (e.scope() == null) {
            out.println("Scope:     none matched");
        } else {
            ScopeMatch.Explanation s = e.scope().explanation();
            out.printf("Scope:     %s  (%s:%d, priority %d)%n", s.name(), s.file(), s.line(), s.priority());
            s.because().forEach(b -> out.printf("  because  %s%n", b));
            s.alsoMatched().forEach(a -> out.printf("  also matched  %s%n", a));
            out.printf("  settings %s%n", s.settings());
        }
        var h = e.history();
        if (h != null && (!h.failures().isEmpty() || !h.pins().isEmpty() || !h.approvals().isEmpty())) {
            out.println("History:");
            h.failures().forEach(f -> out.printf("  failed    %s %s at %s%n", f.toTag() == null ? "(no version)"
                    : f.toTag(), f.state(), f.at()));
            h.pins().forEach(p -> out.printf("  pinned    %s%s%n", p.tag(), p.digest() == null ? "" : "@" + p.digest()));
            h.approvals().forEach(a -> out.printf("  approved  by %s at %s%n", a.approver(), a.at()));
        }
        out.println("Reasons:");
        e.reasons().forEach(r -> out.printf("  - %s%n", r));
        out.println("Rules fired:" + (e.firedRules().isEmpty() ? " none" : ""));
        for (FiredRule f : e.firedRules()) {
            out.printf("  - %s [%s]%s%s%n", f.name(), f.outcome() == null ? "-" : f.outcome(),
                    f.reason() == null ? "" : " " + f.reason(),
                    f.metadata().isEmpty() ? "" : "  " + new java.util.TreeMap<>(f.metadata()));
        }
        out.printf("At:        %s%n", e.evaluatedAt());
        out.printf("Rule set:  %s%n", e.rulesetRevision());
        out.printf("Policies:  %s%n", e.policyRevision());
    }
}
