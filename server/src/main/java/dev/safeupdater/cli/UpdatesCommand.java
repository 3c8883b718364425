package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import dev.safeupdater.execution.NotFoundException;
import dev.safeupdater.model.RunDetail;
import dev.safeupdater.model.RunEvent;
import dev.safeupdater.model.RunSummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safe-updater updates list|show ID}: update runs, as {@code GET /api/v1/updates} shows them. */
@Command(name = "updates", description = "List update runs, or show one with its events.")
final class UpdatesCommand implements Runnable {
    /** Exit code when the run does not exist. */
    static final int EXIT_NOT_FOUND = 4;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static CommandLine create(Launcher launcher) {
        return new CommandLine(new UpdatesCommand()).addSubcommand(new ListRuns(launcher))
                .addSubcommand(new Show(launcher));
    }

    @Command(name = "list", description = "Update runs, newest first (the same filters as history runs).")
    static final class ListRuns implements Callable<Integer> {
        private final Launcher launcher;
        @Mixin
        CommonOptions common;
        @Spec
        CommandSpec spec;
        @Mixin
        HistoryCommand.ListOptions list;
        @Mixin
        HistoryCommand.RunOptions filter;

        ListRuns(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            return HistoryCommand.runs(launcher, common, spec, list, filter);
        }
    }

    @Command(name = "show", description = "One update run: the change, the decision, approvers, health, events.")
    static final class Show implements Callable<Integer> {
        private final Launcher launcher;
        @Mixin
        CommonOptions common;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "The run's id.")
        long id;
        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
        String format;

        Show(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            if (!format.equals("text") && !format.equals("json")) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--format must be text or json, not \"" + format + "\"");
            }
            PrintWriter out = spec.commandLine().getOut();
            return HistoryCommand.withAudit(launcher, common, audit -> {
                RunDetail d;
                try {
                    d = audit.update(id);
                } catch (NotFoundException e) {
                    spec.commandLine().getErr().println("safe-updater updates show: " + e.getMessage());
                    spec.commandLine().getErr().flush();
                    return EXIT_NOT_FOUND;
                }
                if (format.equals("json")) {
                    try {
                        out.println(HistoryCommand.JSON.writeValueAsString(d));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                } else {
                    text(out, d);
                }
                out.flush();
                return 0;
            });
        }
    }

    static void text(PrintWriter out, RunDetail d) {
        RunSummary r = d.run();
        out.printf("Run %d: %s%s%n", r.id(), r.state(), r.error() == null ? "" : " (" + r.error() + ")");
        out.printf("  asset     %d %s  %s%n", r.assetId(), r.asset().display(), r.image());
        out.printf("  change    %s -> %s  %s%n", r.fromTag(), r.toTag(), r.changeType());
        out.printf("  decision  %d %s in scope %s, rules %s (rule set %s, policy %s)%n", r.decisionId(),
                r.outcome(), r.scope() == null ? "-" : r.scope(),
                d.firedRules().stream().map(dev.safeupdater.model.FiredRule::name).toList(), d.rulesetRevision(),
                d.policyRevision());
        out.printf("  approvers %s%n", d.approvers().isEmpty() ? "-" : String.join(", ", d.approvers()));
        out.printf("  created   %s  started %s  finished %s%n", r.createdAt(), r.startedAt(), r.finishedAt());
        if (d.health() != null) {
            out.printf("  health    %s%n", d.health());
        }
        if (r.rolledBack()) {
            out.printf("  rollback  %s%n", d.rollbackReason() == null ? "-" : d.rollbackReason());
        }
        out.println();
        java.util.List<String[]> rows = new java.util.ArrayList<>();
        for (RunEvent e : d.events()) {
            rows.add(new String[] {e.at().toString(), e.fromState() == null ? "-" : e.fromState(), e.toState(),
                    e.actor(), e.detail() == null ? "" : e.detail().toString()});
        }
        Table.print(out, new String[] {"AT", "FROM", "TO", "ACTOR", "DETAIL"}, rows);
    }
}
