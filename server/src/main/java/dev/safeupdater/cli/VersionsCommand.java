package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.execution.Services;
import dev.safeupdater.execution.VersionService;
import dev.safeupdater.version.Selection;
import dev.safeupdater.version.TagVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "versions",
        description = "Show the candidate tags for a current tag among the given tags (or an image's registry tags),"
                + " and why each other tag is ignored (no server, nothing stored).")
final class VersionsCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--current", required = true, paramLabel = "TAG", description = "The tag running now.")
    String current;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--available", split = ",", paramLabel = "TAG,TAG,...",
                description = "The tags to choose from (comma-separated, repeatable).")
        List<String> available;

        @Option(names = "--image", paramLabel = "IMAGE",
                description = "Choose among the tags this image has in its registry, e.g. nginx.")
        String image;
    }

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]", split = ",",
            description = "With --image: a registry reached over plain HTTP (repeatable).")
    List<String> insecure;

    @Option(names = "--allow-prerelease", description = "Propose prereleases too.")
    boolean allowPrerelease;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
    String format;

    VersionsCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        var flags = common.flags();
        if (insecure != null) {
            flags.put("registry.insecure", String.join(",", insecure));
        }
        Services services = launcher.open(flags, false);
        List<String> tags = null;
        if (source.available != null) {
            tags = new ArrayList<>();
            for (String t : source.available) {
                if (!t.isBlank()) {
                    tags.add(t.strip());
                }
            }
        }
        VersionService.CandidatesView view = services.versions().view(new VersionService.CandidatesRequest(current,
                tags, allowPrerelease, source.image));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (view.image() != null && view.image().error() != null) {
            err.println((view.image().tagCount() == 0 ? "safe-updater: cannot list the tags of " : "warning: ")
                    + view.image().image() + ": " + view.image().error());
            err.flush();
            if (view.image().tagCount() == 0) {
                return TagsCommand.EXIT_REGISTRY_FAILED;
            }
        }
        if ("json".equals(format)) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(view));
        } else {
            print(out, view);
        }
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, VersionService.CandidatesView view) {
        TagVersion current = TagVersion.parse(view.current().tag());
        out.printf("Current: %s  %s%n", current.tag(), current.describe());
        if (view.image() != null) {
            out.printf("Tags:    %d from %s%s%n", view.image().tagCount(), view.image().image(),
                    view.image().stale() ? " (stale)" : "");
        }
        out.println();
        List<String[]> rows = new ArrayList<>();
        view.candidates().forEach((c, tag) -> rows.add(new String[] {c, tag == null ? "-" : tag}));
        Table.print(out, new String[] {"CLASS", "CANDIDATE"}, rows);
        List<Selection.Ignored> ignored = view.ignored();
        if (!ignored.isEmpty()) {
            out.println();
            List<String[]> ig = new ArrayList<>();
            for (Selection.Ignored i : ignored) {
                ig.add(new String[] {i.tag(), i.reason()});
            }
            Table.print(out, new String[] {"IGNORED TAG", "REASON"}, ig);
        }
    }
}
