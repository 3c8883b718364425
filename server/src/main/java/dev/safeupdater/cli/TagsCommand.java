package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.execution.Services;
import dev.safeupdater.execution.TagService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tags",
        description = "List an image's tags from its registry, newest version first, with digests and release times.")
final class TagsCommand implements Callable<Integer> {
    /** Exit code when the registry could not be asked and nothing older is known. */
    static final int EXIT_REGISTRY_FAILED = 3;

    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image reference, e.g. nginx, ghcr.io/org/app.")
    String image;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
            description = "Describe the newest N tags (digest, release time); 0 describes all (default 50).")
    int limit;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
    String format;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "Per-registry options file (insecure, ca, rate, ...); see docs/registry.md.")
    String registryConfig;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]", split = ",",
            description = "Registry reached over plain HTTP (repeatable).")
    List<String> insecure;

    TagsCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        var flags = common.flags();
        CommonOptions.put(flags, "registry.config", registryConfig);
        if (insecure != null) {
            flags.put("registry.insecure", String.join(",", insecure));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Services opened;
        try {
            // with the database: what is learnt is recorded, and a failing registry falls back to the stored listing
            opened = launcher.open(flags, true, false);
        } catch (Launcher.LaunchException e) {
            err.println("warning: no stored listing to fall back on (" + e.getMessage() + ")");
            err.flush();
            opened = launcher.open(flags, false, false);
        }
        TagService.TagReport report;
        try (Services services = opened) {
            report = services.tags().tags(image, limit);
        }
        if (report.error() != null && report.total() == 0) {
            err.println("safe-updater: cannot list the tags of " + report.image() + ": " + report.error());
            err.flush();
            return EXIT_REGISTRY_FAILED;
        }
        if (report.stale()) {
            err.println("warning: stale: the registry lookup failed (" + report.error() + "); showing the tags known"
                    + (report.fetchedAt() == null ? "" : " from " + report.fetchedAt()));
            err.flush();
        }
        if ("json".equals(format)) {
            out.println(new ObjectMapper().registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            List<String[]> rows = new ArrayList<>();
            for (TagService.TagEntry e : report.tags()) {
                rows.add(new String[] {e.tag(), e.version() ? "version" : "-",
                        e.digest() == null ? (e.error() == null ? "-" : "error: " + e.error()) : e.digest(),
                        e.releaseTime() == null ? "-" : e.releaseTime().toString(), e.releaseTimeSource().name()});
            }
            out.println(report.image());
            Table.print(out, new String[] {"TAG", "KIND", "DIGEST", "RELEASED", "SOURCE"}, rows);
            out.printf("%d of %d tags shown, newest first%s%n", report.tags().size(), report.total(),
                    report.tags().size() < report.total() ? " (--limit 0 shows all)" : "");
        }
        out.flush();
        return 0;
    }
}
