package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.safeupdater.model.KindCounts;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.execution.ScanListener;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.ScanSourceResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "scan",
        description = {"Scan the inventory sources (inventory.file) now and update the inventory.",
                "Exit status: 0 when every source was scanned (warnings included), 3 when a source failed."})
final class ScanCommand implements Callable<Integer> {
    /** Exit code when at least one source failed (the others were still stored). */
    static final int EXIT_SOURCE_FAILED = 3;

    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "YAML file of inventory sources (default: setting inventory.file).")
    String inventory;

    @Option(names = "--source", paramLabel = "NAME", description = "Scan only this source (repeatable).")
    List<String> sources;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
    String format;

    @Option(names = "--no-progress", description = "Do not draw the progress bar (drawn only on a terminal).")
    boolean noProgress;

    ScanCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        if (!format.equals("text") && !format.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be text or json, not \"" + format + "\"");
        }
        Map<String, String> flags = common.flags();
        CommonOptions.put(flags, "inventory.file", inventory);
        ScanRun run;
        try (Services services = launcher.open(flags, true)) {
            boolean bar = !noProgress && format.equals("text") && onTerminal();
            ScanListener listener = bar ? new ProgressBar(spec.commandLine().getErr()) : ScanListener.NONE;
            run = services.scans().scan(sources, "cli:" + System.getProperty("user.name", "unknown"), listener);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(new ObjectMapper().registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .writerWithDefaultPrettyPrinter().writeValueAsString(run));
        } else {
            printSummary(out, run);
        }
        out.flush();
        boolean anyFailed = run.sources().stream().anyMatch(s -> s.status().equals(ScanSourceResult.FAILED));
        return anyFailed ? EXIT_SOURCE_FAILED : 0;
    }

    /** The summary table: one row per source and kind, then errors and warnings. */
    static void printSummary(PrintWriter out, ScanRun run) {
        out.printf("Scan %d: %s in %.1f s%n%n", run.id(), run.status(),
                run.durationMs() == null ? 0.0 : run.durationMs() / 1000.0);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SOURCE", "TYPE", "KIND", "SEEN", "NEW", "CHANGED", "GONE", "STATUS"});
        for (ScanSourceResult s : run.sources()) {
            if (s.byKind().isEmpty()) {
                rows.add(new String[] {s.name(), s.type(), "-", n(s.seen()), n(s.added()), n(s.changed()),
                        n(s.gone()), s.status()});
            }
            s.byKind().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                KindCounts k = e.getValue();
                rows.add(new String[] {s.name(), s.type(), e.getKey(), n(k.seen()), n(k.added()), n(k.changed()),
                        n(k.gone()), s.status()});
            });
        }
        int[] widths = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                boolean numeric = i >= 3 && i <= 6;
                String cell = numeric ? pad(r[i], widths[i], true) : pad(r[i], widths[i], false);
                line.append(cell).append(i == r.length - 1 ? "" : "  ");
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
        for (ScanSourceResult s : run.sources()) {
            out.printf("%s: %d API requests, %.1f s, %d versions recorded%n", s.name(), s.apiRequests(),
                    s.durationMs() / 1000.0, s.versionsRecorded());
        }
        List<ScanSourceResult> failed = run.sources().stream().filter(s -> s.error() != null).toList();
        if (!failed.isEmpty()) {
            out.println();
            out.println("Errors (these sources' inventory was left as it was):");
            failed.forEach(s -> out.println("  " + s.error()));
        }
        List<String> warnings = new ArrayList<>();
        run.sources().forEach(s -> s.warnings().forEach(w -> warnings.add(s.name() + ": " + w)));
        if (!warnings.isEmpty()) {
            out.println();
            out.println("Warnings:");
            warnings.forEach(w -> out.println("  " + w));
        }
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    /** True when standard output is an interactive terminal (JDK 22+ says so exactly; JDK 21: a console exists). */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = java.io.Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Draws {@code name [#####-----] done/total what} on one terminal line, rewritten in place. */
    static final class ProgressBar implements ScanListener {
        private static final int WIDTH = 30;
        private final PrintWriter err;
        private String prefix = "";
        private long lastDraw;

        ProgressBar(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void sourceStarted(String name, String type, int index, int count) {
            prefix = String.format("[%d/%d] %s (%s)", index + 1, count, name, type);
            draw(prefix + "  connecting ...", true);
        }

        @Override
        public void listed(String name, String what, long done, long total) {
            long now = System.nanoTime();
            if (now - lastDraw < 50_000_000L && (total < 0 || done < total)) {
                return; // at most 20 redraws a second
            }
            lastDraw = now;
            String bar;
            if (total > 0) {
                int filled = (int) Math.min(WIDTH, done * WIDTH / total);
                bar = "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] "
                        + String.format(Locale.ROOT, "%,d/%,d", done, total);
            } else {
                bar = String.format(Locale.ROOT, "%,d", done);
            }
            draw(prefix + "  " + bar + " " + what, false);
        }

        @Override
        public void storing(String name, int assets) {
            draw(prefix + String.format(Locale.ROOT, "  storing %,d assets ...", assets), true);
        }

        @Override
        public void sourceFinished(ScanSourceResult r) {
            draw(prefix + "  " + r.status() + String.format(Locale.ROOT, " (%,d seen, %,d new, %,d gone)", r.seen(),
                    r.added(), r.gone()), true);
            err.println();
            err.flush();
        }

        private void draw(String text, boolean force) {
            if (force) {
                lastDraw = System.nanoTime();
            }
            err.print("\r\u001b[2K" + text);
            err.flush();
        }
    }
}
