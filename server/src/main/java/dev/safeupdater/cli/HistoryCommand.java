package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.execution.AuditService;
import dev.safeupdater.execution.Csv;
import dev.safeupdater.execution.FieldError;
import dev.safeupdater.execution.InvalidInputException;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.AuditEventFilter;
import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.RunFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code safe-updater history runs|decisions|audit}: the history auditors read over HTTP, from the database, with the
 * same filters, as a table, JSON or CSV (the same columns as the API's {@code text/csv}).
 */
@Command(name = "history", description = "Read the history: update runs, decisions, audit events.")
final class HistoryCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** The command with its subcommands. */
    static picocli.CommandLine create(Launcher launcher) {
        return new picocli.CommandLine(new HistoryCommand())
                .addSubcommand(new Runs(launcher))
                .addSubcommand(new Decisions(launcher))
                .addSubcommand(new Audit(launcher));
    }

    /** Options every listing takes: output format, how many rows, the time range. */
    static final class ListOptions {
        @Option(names = "--format", paramLabel = "table|json|csv", defaultValue = "table",
                description = "Output format (default: table). csv writes every matching row, streamed.")
        String format;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
                description = "Newest N rows for table and json (default: 50).")
        int limit;

        @Option(names = "--from", paramLabel = "INSTANT", description = "From this time (inclusive), e.g. 2026-01-01T00:00:00Z.")
        Instant from;

        @Option(names = "--to", paramLabel = "INSTANT", description = "Before this time (exclusive).")
        Instant to;

        void check(CommandSpec spec) {
            if (!List.of("table", "json", "csv").contains(format)) {
                throw new ParameterException(spec.commandLine(),
                        "--format must be table, json or csv, not \"" + format + "\"");
            }
            if (limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
            }
        }
    }

    /** Opens the database (no rule set needed), runs {@code body}, closes. */
    static int withAudit(Launcher launcher, CommonOptions common, Function<AuditService, Integer> body)
            throws Launcher.LaunchException {
        try (Services services = launcher.open(common.flags(), true, false)) {
            return body.apply(services.audit());
        }
    }

    /**
     * Prints a listing: CSV streams every row; a table or JSON reads pages of the newest {@code limit} rows.
     * {@code table} turns one row into its cells ({@link Csv} columns by default).
     */
    static <T> void print(PrintWriter out, ListOptions o, Csv<T> csv,
                          BiFunction<String, Integer, Page<T>> pages, java.util.function.Consumer<java.io.Writer> export) {
        if (o.format.equals("csv")) {
            export.accept(out);
            out.flush();
            return;
        }
        List<T> rows = new ArrayList<>();
        String cursor = null;
        do {
            Page<T> page = pages.apply(cursor, Math.min(500, o.limit - rows.size()));
            rows.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor != null && rows.size() < o.limit);
        if (o.format.equals("json")) {
            try {
                out.println(JSON.writeValueAsString(rows));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            List<String[]> cells = rows.stream().map(r -> csv.cells(r).toArray(String[]::new)).toList();
            Table.print(out, csv.header().toArray(String[]::new), cells);
        }
        out.flush();
    }

    static String upper(String field, String value) {
        return value == null ? null : value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    static Outcome outcome(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Outcome.valueOf(upper("--outcome", value));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(List.of(new FieldError("--outcome", "must be one of APPROVE, HOLD, REJECT")));
        }
    }

    /** The asset and scope filters every history listing of runs and decisions takes. */
    static final class AssetOptions {
        @Option(names = "--asset", paramLabel = "ID", description = "Only this asset.")
        Long asset;
        @Option(names = "--namespace", paramLabel = "NS", description = "Only assets in this namespace.")
        String namespace;
        @Option(names = "--image", paramLabel = "REPO", description = "Only this image repository (exact).")
        String image;
        @Option(names = "--source", paramLabel = "SOURCE", description = "Only assets of this source.")
        String source;
        @Option(names = "--scope", paramLabel = "SCOPE", description = "Only what was decided in this scope.")
        String scope;
    }

    /** Filters of update runs, shared with {@code updates list}. */
    static final class RunOptions {
        @Mixin
        AssetOptions asset;
        @Option(names = "--state", paramLabel = "STATE", description = "Only runs in this state (e.g. rolled_back).")
        String state;

        RunFilter filter(ListOptions o) {
            return new RunFilter(asset.asset, asset.namespace, asset.image, asset.source, asset.scope,
                    AuditService.runState("--state", state), o.from, o.to);
        }
    }

    static int runs(Launcher launcher, CommonOptions common, CommandSpec spec, ListOptions o, RunOptions r)
            throws Launcher.LaunchException {
        o.check(spec);
        return withAudit(launcher, common, audit -> {
            RunFilter f = r.filter(o);
            print(spec.commandLine().getOut(), o, Csv.RUNS, (c, n) -> audit.updates(f, c, n),
                    w -> audit.exportUpdates(f, w));
            return 0;
        });
    }

    @Command(name = "runs", description = "Update runs, newest first.")
    static final class Runs implements Callable<Integer> {
        private final Launcher launcher;
        @Mixin
        CommonOptions common;
        @Spec
        CommandSpec spec;
        @Mixin
        ListOptions list;
        @Mixin
        RunOptions filter;

        Runs(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            return runs(launcher, common, spec, list, filter);
        }
    }

    @Command(name = "decisions", description = "Policy decisions, newest first.")
    static final class Decisions implements Callable<Integer> {
        private final Launcher launcher;
        @Mixin
        CommonOptions common;
        @Spec
        CommandSpec spec;
        @Mixin
        ListOptions list;
        @Mixin
        AssetOptions assets;
        @Option(names = "--rule", paramLabel = "RULE", description = "Only decisions in which this rule fired.")
        String rule;
        @Option(names = "--outcome", paramLabel = "OUTCOME", description = "approve, hold or reject.")
        String outcome;
        @Option(names = "--actor", paramLabel = "ACTOR", description = "Only decisions asked for by this actor.")
        String actor;

        Decisions(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            list.check(spec);
            DecisionFilter f = new DecisionFilter(assets.asset, outcome(outcome), list.from, list.to, null,
                    assets.scope, assets.namespace, assets.image, assets.source, rule, actor);
            return withAudit(launcher, common, audit -> {
                print(spec.commandLine().getOut(), list, Csv.DECISIONS, (c, n) -> audit.decisions(f, c, n),
                        w -> audit.exportDecisions(f, w));
                return 0;
            });
        }
    }

    @Command(name = "audit", description = "Audit events (every mutation), newest first.")
    static final class Audit implements Callable<Integer> {
        private final Launcher launcher;
        @Mixin
        CommonOptions common;
        @Spec
        CommandSpec spec;
        @Mixin
        ListOptions list;
        @Option(names = "--actor", paramLabel = "ACTOR", description = "Only what this actor did.")
        String actor;
        @Option(names = "--action", paramLabel = "ACTION",
                description = "Only this action (e.g. approval.vote), or a prefix ending in a dot (approval.).")
        String action;
        @Option(names = "--resource-type", paramLabel = "TYPE", description = "Only this resource type.")
        String resourceType;
        @Option(names = "--resource-id", paramLabel = "ID", description = "Only this resource id.")
        String resourceId;

        Audit(Launcher launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() throws Exception {
            list.check(spec);
            AuditEventFilter f = new AuditEventFilter(actor, action, resourceType, resourceId, list.from, list.to);
            return withAudit(launcher, common, audit -> {
                print(spec.commandLine().getOut(), list, Csv.AUDIT_EVENTS, (c, n) -> audit.auditEvents(f, c, n),
                        w -> audit.exportAuditEvents(f, w));
                return 0;
            });
        }
    }
}
