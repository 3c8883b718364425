package dev.safeupdater.policy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.kie.api.KieBase;
import org.kie.api.KieBaseConfiguration;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.internal.conf.ConstraintJittingThresholdOption;

/**
 * Compiles every {@code *.drl} file of a directory into a new, independent knowledge base. Any compile error or a
 * rule name used twice refuses the whole set; nothing is shared with previously compiled sets.
 */
public final class RuleCompiler {
    private static final String RESOURCE_ROOT = "src/main/resources/";
    private static final AtomicLong BUILDS = new AtomicLong();
    private static final java.util.regex.Pattern COLUMN_IN_TEXT = java.util.regex.Pattern.compile("Column: (\\d+)\\]");

    private final Clock clock;

    public RuleCompiler(Clock clock) {
        this.clock = clock;
    }

    /** Reads and compiles all DRL files in {@code dir}. */
    public RuleSet compile(Path dir) throws RuleSetException {
        return compile(read(dir));
    }

    /** Reads the DRL files of a directory, sorted by name. */
    public static Map<String, byte[]> read(Path dir) throws RuleSetException {
        if (!Files.isDirectory(dir)) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0, "rules directory does not exist")));
        }
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.filter(p -> p.getFileName().toString().endsWith(".drl")).toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0, "cannot read: " + e.getMessage())));
        }
        if (files.isEmpty()) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0, "no .drl files found")));
        }
        return files;
    }

    /** Compiles the given DRL sources (file name → content). */
    public RuleSet compile(Map<String, byte[]> sources) throws RuleSetException {
        Map<String, byte[]> sorted = new java.util.TreeMap<>(sources);
        Map<String, PackageDescr> parsed = parse(sorted);
        List<RuleMessage> errors = new ArrayList<>(duplicateRuleNames(parsed));

        KieServices ks = KieServices.Factory.get();
        KieFileSystem kfs = ks.newKieFileSystem();
        ReleaseId releaseId = ks.newReleaseId("dev.safeupdater.rules", "ruleset", "1.0." + BUILDS.incrementAndGet());
        kfs.generateAndWritePomXML(releaseId);
        // each file goes in its package's folder (Drools warns otherwise); messages map the path back to the name
        Map<String, String> fileByPath = new HashMap<>();
        sorted.forEach((name, content) -> {
            PackageDescr pkg = parsed.get(name);
            String folder = pkg == null || pkg.getName() == null || pkg.getName().isEmpty()
                    ? "" : pkg.getName().replace('.', '/') + "/";
            fileByPath.put(folder + name, name);
            fileByPath.put(RESOURCE_ROOT + folder + name, name);
            kfs.write(RESOURCE_ROOT + folder + name, content);
        });
        KieBuilder builder = ks.newKieBuilder(kfs).buildAll();
        try {
            boolean ownDuplicateReport = !errors.isEmpty();
            for (Message m : builder.getResults().getMessages(Message.Level.ERROR)) {
                String text = oneLine(m.getText());
                if (ownDuplicateReport && text.startsWith("Duplicate rule name")) {
                    continue; // already reported above, with both places
                }
                errors.add(new RuleMessage(fileByPath.getOrDefault(m.getPath(), fileName(m.getPath())), m.getLine(),
                        column(m, text), text));
            }
            if (!errors.isEmpty()) {
                throw new RuleSetException(errors);
            }
            KieBaseConfiguration conf = ks.newKieBaseConfiguration();
            // STACK.md D1: the constraint JIT breaks custom operators such as str[startsWith] after ~20 runs.
            conf.setOption(ConstraintJittingThresholdOption.get(-1));
            KieBase kieBase = ks.newKieContainer(releaseId).newKieBase(conf);
            List<String> names = new ArrayList<>();
            for (KiePackage pkg : kieBase.getKiePackages()) {
                for (Rule rule : pkg.getRules()) {
                    names.add(rule.getName());
                }
            }
            names.sort(null);
            List<RuleFile> files = new ArrayList<>();
            StringBuilder manifest = new StringBuilder();
            sorted.forEach((name, content) -> {
                String sha = Hashing.sha256Hex(content);
                files.add(new RuleFile(name, sha));
                manifest.append(name).append('\0').append(sha).append('\n');
            });
            String revision = Hashing.sha256Hex(manifest.toString().getBytes(StandardCharsets.UTF_8));
            return new RuleSet(revision, files, names, clock.instant(), kieBase);
        } finally {
            ks.getRepository().removeKieModule(releaseId);
        }
    }

    /** Parses each file on its own; files with syntax errors are left out (the build reports those). */
    private static Map<String, PackageDescr> parse(Map<String, byte[]> sources) {
        Map<String, PackageDescr> out = new HashMap<>();
        sources.forEach((file, content) -> {
            try {
                DrlParser parser = new DrlParser();
                PackageDescr pkg = parser.parse(false, new StringReader(new String(content, StandardCharsets.UTF_8)));
                if (pkg != null && !parser.hasErrors()) {
                    out.put(file, pkg);
                }
            } catch (DroolsParserException e) {
                // reported with its position by the real build
            }
        });
        return out;
    }

    /** Drools silently lets a second rule of the same name replace the first (STACK.md D2): we refuse it. */
    private static List<RuleMessage> duplicateRuleNames(Map<String, PackageDescr> parsed) {
        Map<String, String> firstSeen = new HashMap<>();
        List<RuleMessage> errors = new ArrayList<>();
        new java.util.TreeMap<>(parsed).forEach((file, pkg) -> {
            for (RuleDescr rule : pkg.getRules()) {
                String where = file + ":" + rule.getLine();
                String previous = firstSeen.putIfAbsent(rule.getName(), where);
                if (previous != null) {
                    errors.add(new RuleMessage(file, rule.getLine(), rule.getColumn(),
                            "duplicate rule name \"" + rule.getName() + "\" (first defined at " + previous + ")"));
                }
            }
        });
        return errors;
    }

    /** Drools leaves the column of expression errors at 0 but names it in the text ("[Line: 8, Column: 4]"). */
    private static int column(Message m, String text) {
        if (m.getColumn() > 0) {
            return m.getColumn();
        }
        var matcher = COLUMN_IN_TEXT.matcher(text);
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
    }

    private static String fileName(String path) {
        if (path == null) {
            return "";
        }
        return path.startsWith(RESOURCE_ROOT) ? path.substring(RESOURCE_ROOT.length()) : path;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
