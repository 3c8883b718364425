package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan",
        description = "Show the plan the last cycle left: per tracked asset current -> proposed version, change type,"
                + " outcome, deciding rule, reason and what the update waits for.")
final class PlanCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The reason column wraps at this width, so that a table of long reasons stays readable in a terminal. */
    static final int REASON_WIDTH = 72;

    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--namespace", paramLabel = "NAME", description = "Only assets in this namespace.")
    String namespace;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Only assets of this source type (kubernetes,"
            + " docker, helm, static) or reported by the inventory source of this name (as run --once lists them).")
    String source;

    @Option(names = "--outcome", paramLabel = "OUTCOME", description = "APPROVE, HOLD, REJECT or NONE (nothing to"
            + " propose).")
    String outcome;

    @Option(names = "--scope", paramLabel = "NAME", description = "Only assets whose proposal fell in this scope.")
    String scope;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Only assets running this image (as stored).")
    String image;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Entries per page (1-500).")
    int limit;

    @Option(names = "--cursor", paramLabel = "CURSOR", description = "The next page (printed under a full page).")
    String cursor;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format.")
    String format;

    PlanCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("text") && !format.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be table or json, not \"" + format + "\"");
        }
        if (limit < 1 || limit > 500) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--limit must be between 1 and 500, not " + limit);
        }
        Plan plan;
        try (Services services = launcher.open(common.flags(), true)) {
            plan = services.cycles().plan(new PlanFilter(namespace, source,
                    outcome == null ? null : outcome.toUpperCase(Locale.ROOT), scope, image), cursor, limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(plan));
        } else {
            print(out, plan);
        }
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, Plan plan) {
        List<String[]> rows = new ArrayList<>();
        for (PlanEntry e : plan.items()) {
            String what = e.stale() ? "stale: " + e.error()
                    : !e.waitsFor().isEmpty() ? "waits for " + e.waitsFor().stream().map(PlanEntry.WaitsFor::text)
                    .collect(Collectors.joining("; "))
                    : e.reason();
            rows.add(new String[] {Long.toString(e.assetId()), e.asset().display(), e.currentTag(),
                    e.proposedTag() == null ? "-" : e.proposedTag(),
                    e.changeType() == null ? "-" : e.changeType().name(),
                    e.outcome() == null ? "NONE" : e.outcome().name(), e.decidedBy(),
                    e.evaluatedAt() == null ? "never" : e.evaluatedAt().truncatedTo(ChronoUnit.SECONDS).toString(),
                    what});
        }
        Table.print(out, new String[] {"ID", "ASSET", "CURRENT", "PROPOSED", "TYPE", "OUTCOME", "RULE", "EVALUATED",
                "REASON / WAITS FOR"}, rows, REASON_WIDTH);
        out.println();
        Map<String, Long> by = plan.byOutcome();
        out.printf(Locale.ROOT, "%s: %d APPROVE, %d HOLD, %d REJECT, %d nothing to propose; %d stale%n",
                Table.count(plan.total(), "entry", "entries"), by.getOrDefault("APPROVE", 0L),
                by.getOrDefault("HOLD", 0L), by.getOrDefault("REJECT", 0L), by.getOrDefault("NONE", 0L), plan.stale());
        if (plan.nextCursor() != null) {
            out.println("More: --cursor " + plan.nextCursor());
        }
    }
}
