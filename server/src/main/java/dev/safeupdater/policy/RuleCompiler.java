package dev.safeupdater.policy;

import java.io.IOException;
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

import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.Pattern;
import org.drools.base.rule.RuleConditionElement;
import org.drools.base.rule.constraint.Constraint;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.drools.mvel.MVELConstraint;
import org.kie.api.KieBase;
import org.kie.api.KieBaseConfiguration;
import org.kie.api.KieServices;
import org.kie.api.builder.Message;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.Resource;
import org.kie.api.io.ResourceType;
import org.kie.internal.builder.CompositeKnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderConfiguration;
import org.kie.internal.builder.KnowledgeBuilderFactory;
import org.kie.internal.builder.KnowledgeBuilderResult;
import org.kie.internal.builder.ResultSeverity;
import org.kie.internal.builder.conf.PropertySpecificOption;
import org.kie.internal.conf.ConstraintJittingThresholdOption;
import org.kie.internal.io.ResourceFactory;

/**
 * Compiles every {@code *.drl} file of a directory into a new, independent knowledge base (KnowledgeBuilder, no
 * KieModule). A compile error, a Drools warning, a literal of the wrong type ({@link LiteralTypeCheck}), a missing
 * {@code verdict} global or a rule name used twice refuses the whole set, with {@code file:line:column} messages;
 * nothing is shared with previously compiled sets.
 */
public final class RuleCompiler {
    /** Drools' default: constraints evaluated this often are compiled to bytecode. */
    private static final int JIT_THRESHOLD = 20;
    /** {@code -Dsafeupdater.rules.noJit=true} turns the constraint JIT off for every rule set. */
    public static final String NO_JIT_PROPERTY = "safeupdater.rules.noJit";
    private static final AtomicLong BUILDS = new AtomicLong();
    private static final java.util.regex.Pattern COLUMN_IN_TEXT = java.util.regex.Pattern.compile("Column: (\\d+)\\]");

    private final Clock clock;

    public RuleCompiler(Clock clock) {
        this.clock = clock;
    }

    /** Reads and compiles all DRL files in {@code dir}; messages name files as {@code dir/NAME}. */
    public RuleSet compile(Path dir) throws RuleSetException {
        return compile(read(dir), dir.toString());
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
        return compile(sources, null);
    }

    /**
     * Compiles the given DRL sources (file name → content). Errors, warnings (Drools reports type problems it can
     * tolerate as warnings) and rule names used twice all refuse the set. {@code dirLabel} prefixes file names in
     * messages (null: bare names).
     */
    public RuleSet compile(Map<String, byte[]> sources, String dirLabel) throws RuleSetException {
        Map<String, byte[]> sorted = new java.util.TreeMap<>(sources);
        java.util.function.UnaryOperator<String> display = name -> name == null || name.isEmpty() || dirLabel == null
                ? name : Path.of(dirLabel).resolve(name).toString();
        Map<String, PackageDescr> parsed = parse(sorted);
        List<RuleMessage> errors = new ArrayList<>(duplicateRuleNames(parsed, display));
        if (!errors.isEmpty()) {
            // Drools would add its own, less helpful, complaints about the same rules
            throw new RuleSetException(errors);
        }

        KnowledgeBuilderConfiguration builderConf = KnowledgeBuilderFactory.newKnowledgeBuilderConfiguration();
        // Facts are never modified in a stateless evaluation: property reactivity would only add work (and a
        // "not relevant to this pattern" log warning for every constraint that takes another pattern's variable).
        builderConf.setOption(PropertySpecificOption.ALLOWED);
        KnowledgeBuilder builder = KnowledgeBuilderFactory.newKnowledgeBuilder(builderConf);
        CompositeKnowledgeBuilder batch = builder.batch();
        sorted.forEach((name, content) -> {
            PackageDescr descr = parsed.get(name);
            if (descr != null) {
                // parsed once already (for the duplicate check): hand Drools the tree, not the text again
                Resource r = ResourceFactory.newDescrResource(descr);
                r.setSourcePath(name);
                batch.add(r, ResourceType.DESCR);
            } else {
                // a file with syntax errors: Drools parses it again and reports where
                Resource r = ResourceFactory.newByteArrayResource(content);
                r.setSourcePath(name);
                batch.add(r, ResourceType.DRL);
            }
        });
        batch.build();
        long id = 0;
        for (KnowledgeBuilderResult r : builder.getResults(ResultSeverity.ERROR, ResultSeverity.WARNING)) {
            Message m = r.asMessage(id++);
            String file = r.getResource() != null && r.getResource().getSourcePath() != null
                    ? r.getResource().getSourcePath() : fileName(m.getPath());
            String text = oneLine(m.getText());
            errors.add(new RuleMessage(display.apply(file), m.getLine(), column(m, text),
                    r.getSeverity() == ResultSeverity.WARNING ? "warning (refused like an error): " + text : text));
        }
        errors.addAll(LiteralTypeCheck.check(builder.getKnowledgePackages(), sorted, parsed, display));
        if (!errors.isEmpty()) {
            throw new RuleSetException(errors);
        }
        KieBaseConfiguration conf = KieServices.Factory.get().newKieBaseConfiguration();
        // STACK.md D1: Drools 10.2 compiles constraints to bytecode after 20 evaluations ("JIT"), and the compiled
        // form of a constraint with a custom operator (str[startsWith], the temporal operators, ...) throws
        // NoSuchMethodError. The JIT makes plain constraints about a third faster, so it stays on unless the set
        // uses such an operator somewhere; then it is off for the whole set.
        List<String> unsafe = jitUnsafeRules(builder.getKnowledgePackages());
        boolean jit = unsafe.isEmpty() && !Boolean.getBoolean(NO_JIT_PROPERTY);
        conf.setOption(ConstraintJittingThresholdOption.get(jit ? JIT_THRESHOLD : -1));
        InternalKnowledgeBase kieBase = KnowledgeBaseFactory.newKnowledgeBase(
                "ruleset-" + BUILDS.incrementAndGet(), conf);
        kieBase.addPackages(builder.getKnowledgePackages());
        List<String> names = new ArrayList<>();
        for (KiePackage pkg : kieBase.getKiePackages()) {
            for (Rule rule : pkg.getRules()) {
                names.add(rule.getName());
            }
        }
        names.sort(null);
        checkVerdictGlobal(kieBase, sorted.isEmpty() ? "" : display.apply(sorted.keySet().iterator().next()));
        List<RuleFile> files = new ArrayList<>();
        sorted.forEach((name, content) -> files.add(new RuleFile(name, Hashing.sha256Hex(content))));
        return new RuleSet(revision(sorted), files, names, clock.instant(), kieBase, jit);
    }

    /** The rules with a constraint the Drools 10.2 JIT would break (custom operators); see STACK.md D1. */
    static List<String> jitUnsafeRules(java.util.Collection<KiePackage> packages) {
        List<String> out = new ArrayList<>();
        for (KiePackage pkg : packages) {
            for (Rule rule : pkg.getRules()) {
                if (rule instanceof RuleImpl impl && usesCustomOperator(impl.getLhs())) {
                    out.add(rule.getName());
                }
            }
        }
        return out;
    }

    private static boolean usesCustomOperator(RuleConditionElement element) {
        if (element == null) {
            return false;
        }
        if (element instanceof Pattern p) {
            for (Constraint c : p.getConstraints()) {
                if (c instanceof MVELConstraint mvel && mvel.getOperators() != null && mvel.getOperators().length > 0) {
                    return true;
                }
            }
            if (p.getSource() instanceof RuleConditionElement source && usesCustomOperator(source)) {
                return true;
            }
        }
        for (RuleConditionElement nested : element.getNestedElements()) {
            if (nested != element && usesCustomOperator(nested)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The revision of a set of files: SHA-256 over the sorted {@code name NUL sha256(content) LF} lines, so it changes
     * exactly when a file is added, removed, renamed or edited.
     */
    public static String revision(Map<String, byte[]> sources) {
        StringBuilder manifest = new StringBuilder();
        new java.util.TreeMap<>(sources).forEach((name, content) ->
                manifest.append(name).append('\0').append(Hashing.sha256Hex(content)).append('\n'));
        return Hashing.sha256Hex(manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Rules speak through the {@code verdict} global: a set that does not declare it (rightly) cannot decide. */
    private static void checkVerdictGlobal(KieBase kieBase, String firstFile) throws RuleSetException {
        String expected = Verdict.class.getName();
        boolean declared = false;
        for (KiePackage pkg : kieBase.getKiePackages()) {
            for (org.kie.api.definition.rule.Global g : pkg.getGlobalVariables()) {
                if (g.getName().equals(PolicyEngine.VERDICT_GLOBAL)) {
                    if (!g.getType().equals(expected)) {
                        throw new RuleSetException(List.of(new RuleMessage(firstFile, 0, 0, "global \""
                                + PolicyEngine.VERDICT_GLOBAL + "\" in package " + pkg.getName() + " must have type "
                                + expected + ", not " + g.getType())));
                    }
                    declared = true;
                }
            }
        }
        if (!declared) {
            throw new RuleSetException(List.of(new RuleMessage(firstFile, 0, 0, "no rule file declares \"global "
                    + expected + " " + PolicyEngine.VERDICT_GLOBAL + ";\" (rules give their verdict through it)")));
        }
    }

    /** Parses each file on its own; files with syntax errors are left out (the build reports those). */
    private static Map<String, PackageDescr> parse(Map<String, byte[]> sources) {
        // files are independent: parse them side by side (the DRL parser is a large share of a compile)
        Map<String, PackageDescr> out = new java.util.concurrent.ConcurrentHashMap<>();
        sources.entrySet().parallelStream().forEach(e -> {
            try {
                DrlParser parser = new DrlParser();
                Resource resource = ResourceFactory.newByteArrayResource(e.getValue());
                resource.setSourcePath(e.getKey());
                PackageDescr pkg = parser.parse(resource, new String(e.getValue(), StandardCharsets.UTF_8));
                if (pkg != null && !parser.hasErrors()) {
                    out.put(e.getKey(), pkg);
                }
            } catch (DroolsParserException ex) {
                // reported with its position by the real build
            }
        });
        return out;
    }

    /** Drools silently lets a second rule of the same name replace the first (STACK.md D2): we refuse it. */
    private static List<RuleMessage> duplicateRuleNames(Map<String, PackageDescr> parsed,
                                                        java.util.function.UnaryOperator<String> display) {
        Map<String, String> firstSeen = new HashMap<>();
        List<RuleMessage> errors = new ArrayList<>();
        new java.util.TreeMap<>(parsed).forEach((file, pkg) -> {
            for (RuleDescr rule : pkg.getRules()) {
                String where = display.apply(file) + ":" + rule.getLine();
                String previous = firstSeen.putIfAbsent(rule.getName(), where);
                if (previous != null) {
                    errors.add(new RuleMessage(display.apply(file), rule.getLine(), rule.getColumn(),
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
        return path;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
