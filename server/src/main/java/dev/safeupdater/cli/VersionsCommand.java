package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.execution.Services;
import dev.safeupdater.execution.VersionService;
import dev.safeupdater.version.ParsedTag;
import dev.safeupdater.version.Selection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "versions",
        description = "Show the candidate tags for a current tag among available tags, and why each other tag is"
                + " ignored (no server, no registry, nothing stored).")
final class VersionsCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--current", required = true, paramLabel = "TAG", description = "The tag running now.")
    String current;

    @Option(names = "--available", required = true, split = ",", paramLabel = "TAG,TAG,...",
            description = "The tags to choose from (comma-separated, repeatable).")
    List<String> available;

    @Option(names = "--allow-prerelease", description = "Propose prereleases too.")
    boolean allowPrerelease;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
    String format;

    VersionsCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        Services services = launcher.open(common.flags(), false);
        List<String> tags = new ArrayList<>();
        for (String t : available) {
            if (!t.isBlank()) {
                tags.add(t.strip());
            }
        }
        Selection s = services.versions().candidates(new VersionService.CandidatesRequest(current, tags,
                allowPrerelease));
        PrintWriter out = spec.commandLine().getOut();
        if ("json".equals(format)) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("current", ParsedTag.of(s.current()));
            Map<String, String> c = new LinkedHashMap<>();
            s.candidateTags().forEach((k, v) -> c.put(k.key(), v));
            json.put("candidates", c);
            json.put("ignored", s.ignored());
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } else {
            print(out, s);
        }
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, Selection s) {
        out.printf("Current: %s  %s%n%n", s.current().tag(), s.current().describe());
        List<String[]> rows = new ArrayList<>();
        s.candidateTags().forEach((c, tag) -> rows.add(new String[] {c.key(), tag == null ? "-" : tag}));
        Table.print(out, new String[] {"CLASS", "CANDIDATE"}, rows);
        List<Selection.Ignored> ignored = s.ignored();
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
