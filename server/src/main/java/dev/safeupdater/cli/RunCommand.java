package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Cycle;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanFilter;
import dev.safeupdater.model.RunFilter;
import dev.safeupdater.model.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run",
        description = {"Run one cycle now: scan the inventory, look the images up in their registries, propose the"
                + " newest candidate of each change class and decide it (a decision is stored only when something"
                + " about it changed), then write the plan (see 'safe-updater plan').",
                "Exit status: 0 when every stage worked; 1 when some sources or registries failed (the rest was"
                        + " decided) or, with --apply, an update failed or was rolled back; 2 on bad configuration."})
final class RunCommand implements Callable<Integer> {
    static final int EXIT_PARTIAL = 1;
    static final int EXIT_CONFIGURATION = 2;
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--once", required = true, description = "Run one cycle and exit (what a Kubernetes CronJob runs).")
    boolean once;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "YAML file of inventory sources (default: setting inventory.file).")
    String inventory;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format.")
    String format;

    @Option(names = "--apply", description = "Apply this cycle's approved updates before exiting (apply.enabled=true for"
            + " this run): due runs are claimed, applied, verified and rolled back as serve would; runs waiting for a"
            + " window or a freeze stay queued.")
    boolean apply;

    RunCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    /**
     * What {@code --format json} prints: the cycle, the plan totals, the totals per source name and, with
     * {@code --apply}, the update runs the cycle queued as they stand when the command ends.
     */
    record Summary(Cycle cycle, Plan.Totals plan, Map<String, Plan.Totals> bySource,
                   @JsonInclude(JsonInclude.Include.NON_NULL) List<RunSummary> updates) {
        /** Whether an update this cycle queued ended without its new version (failed, rolled back). */
        boolean updateFailed() {
            return updates != null && updates.stream().anyMatch(RunSummary::endedBadly);
        }
    }

    /** At most this many of the cycle's update runs are listed (the rest: safe-updater updates). */
    static final int UPDATES_LISTED = 500;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("text") && !format.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be table or json, not \"" + format + "\"");
        }
        Map<String, String> flags = common.flags();
        CommonOptions.put(flags, "inventory.file", inventory);
        if (apply) {
            flags.put("apply.enabled", "true");
        }
        PrintWriter err = spec.commandLine().getErr();
        Services services;
        try {
            services = launcher.open(flags, true);
        } catch (Launcher.LaunchException e) {
            err.println("safe-updater run: " + e.getMessage());
            err.flush();
            return EXIT_CONFIGURATION;
        }
        Summary summary;
        try {
            Cycle cycle;
            try {
                cycle = services.cycles().runOnce("cli:" + System.getProperty("user.name", "unknown"), "cli");
            } catch (dev.safeupdater.execution.CycleInProgressException e) {
                err.println("safe-updater run: " + e.getMessage());
                err.flush();
                return EXIT_PARTIAL;
            }
            List<RunSummary> updates = null;
            if (apply && services.rollouts() != null) {
                applyDue(services, services.rollouts().executor().pollInterval(), err);
                // the runs this cycle queued (a run is created once per decision, by the cycle that chose it)
                updates = services.audit().updates(new RunFilter(null, null, null, null, null, null,
                        cycle.startedAt(), null), null, UPDATES_LISTED).items();
            }
            Plan all = services.cycles().plan(PlanFilter.ALL, null, 1);
            summary = new Summary(cycle, all.totals(), services.cycles().planTotalsBySource(), updates);
        } finally {
            services.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        } else {
            print(out, summary);
        }
        out.flush();
        return summary.cycle().state().equals(Cycle.SUCCEEDED) && !summary.updateFailed() ? 0 : EXIT_PARTIAL;
    }

    /**
     * Works on due runs as serve does (claims every apply.poll-interval, leases renewed, expired ones taken over) until
     * two poll intervals in a row find nothing to work on; runs waiting for a window or a freeze stay queued.
     */
    private static void applyDue(Services services, java.time.Duration pollInterval, PrintWriter err)
            throws InterruptedException {
        var executor = services.rollouts().executor();
        executor.start();
        long deadline = System.nanoTime() + java.time.Duration.ofHours(1).toNanos();
        int idleRounds = 0;
        while (idleRounds < 2) {
            Thread.sleep(pollInterval.toMillis() + 200);
            idleRounds = executor.working() == 0 ? idleRounds + 1 : 0;
            if (System.nanoTime() > deadline) {
                err.println("safe-updater run: update runs still in progress after an hour; their leases expire and"
                        + " serve (or the next run) takes them over");
                err.flush();
                return;
            }
        }
    }

    static void print(PrintWriter out, Summary s) {
        Cycle c = s.cycle();
        out.printf(Locale.ROOT, "Cycle %d: %s in %.1f s%n%n", c.id(), c.state(),
                c.durationMs() == null ? 0.0 : c.durationMs() / 1000.0);
        List<String[]> rows = new ArrayList<>();
        rows.add(totals("all", s.plan()));
        s.bySource().forEach((source, t) -> rows.add(totals(source, t)));
        Table.print(out, new String[] {"SOURCE", "APPROVE", "HOLD", "REJECT", "NOTHING TO PROPOSE", "STALE", "TOTAL"},
                rows);
        out.println();
        out.println(Table.count(c.count("assetsScanned"), "asset") + " scanned, "
                + Table.count(c.count("imagesLookedUp"), "image") + " looked up ("
                + Table.count(c.count("registryRequests"), "registry request") + "), "
                + Table.count(c.count("candidates"), "candidate") + ", "
                + Table.count(c.count("decisionsWritten"), "decision") + " written, "
                + String.format(Locale.ROOT, "%,d unchanged, %,d stale", c.count("decisionsUnchanged"),
                        c.count("stale")));
        out.println();
        out.println("Slowest stages:");
        c.stages().stream().sorted(Comparator.comparingLong(Cycle.Stage::durationMs).reversed()).limit(3)
                .forEach(st -> out.printf(Locale.ROOT, "  %-9s %7.2f s  %s%n", st.name(), st.durationMs() / 1000.0,
                        st.status()));
        if (!c.errors().isEmpty()) {
            out.println();
            out.println("Errors (the rest was decided):");
            c.errors().forEach(e -> out.println("  " + e));
        }
        if (s.updates() != null) {
            out.println();
            out.println("Updates this cycle queued: " + (s.updates().isEmpty() ? "none" : s.updates().size()
                    + (s.updates().size() == UPDATES_LISTED ? " or more (see safe-updater updates)" : "")));
            if (!s.updates().isEmpty()) {
                List<String[]> runs = new ArrayList<>();
                for (RunSummary u : s.updates()) {
                    runs.add(new String[] {Long.toString(u.id()), u.asset().display(), u.fromTag(), u.toTag(),
                            u.state(), u.error() == null ? "" : u.error()});
                }
                Table.print(out, new String[] {"RUN", "ASSET", "FROM", "TO", "STATE", "ERROR"}, runs,
                        PlanCommand.REASON_WIDTH);
            }
        }
        out.println();
        out.println("See the plan: safe-updater plan");
    }

    private static String[] totals(String name, Plan.Totals t) {
        return new String[] {name, n(t.byOutcome().get("APPROVE")), n(t.byOutcome().get("HOLD")),
                n(t.byOutcome().get("REJECT")), n(t.byOutcome().get("NONE")), n(Long.valueOf(t.stale())),
                n(Long.valueOf(t.total()))};
    }

    private static String n(Long v) {
        return v == null ? "0" : String.format(Locale.ROOT, "%,d", v);
    }
}
