package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.execution.EvaluateRequest;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.policy.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate",
        description = "Evaluate one candidate against the rules in this process (no server, nothing stored).")
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

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
    String format;

    EvaluateCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        Services services = launcher.open(common.flags(), false);
        Evaluation e = services.decisions().evaluate(new EvaluateRequest(source, cluster, namespace, kind, name,
                container, image, current, currentDigest, candidate, candidateDigest, labels, annotations));
        PrintWriter out = spec.commandLine().getOut();
        if ("json".equals(format)) {
            out.println(new ObjectMapper().registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .writerWithDefaultPrettyPrinter().writeValueAsString(e));
        } else {
            printText(out, e);
        }
        out.flush();
        return 0;
    }

    static void printText(PrintWriter out, Evaluation e) {
        Candidate c = e.candidate();
        out.printf("Outcome:   %s%s%n", e.outcome(), e.decidedBy() == null ? "" : "  (decided by " + e.decidedBy() + ")");
        out.printf("Change:    %s  %s %s -> %s%n", c.changeType(), c.image(), c.currentTag(), c.candidateTag());
        out.printf("Asset:     %s%n", c.asset().display());
        out.println("Reasons:");
        e.reasons().forEach(r -> out.printf("  - %s%n", r));
        out.println("Rules fired:" + (e.firedRules().isEmpty() ? " none" : ""));
        for (FiredRule f : e.firedRules()) {
            out.printf("  - %s [%s]%s%s%n", f.name(), f.outcome() == null ? "-" : f.outcome(),
                    f.reason() == null ? "" : " " + f.reason(),
                    f.metadata().isEmpty() ? "" : "  " + f.metadata());
        }
        out.printf("Rule set:  %s%n", e.rulesetRevision());
    }
}
