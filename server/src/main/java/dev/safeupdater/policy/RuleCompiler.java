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
import org.kie.api.KieBaseConfiguration;
import org.kie.api.KieServices;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.Resource;
import org.kie.api.io.ResourceType;
import org.kie.internal.builder.CompositeKnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderConfiguration;
import org.kie.internal.builder.KnowledgeBuilderFactory;
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

    private final Clock clock;

    public RuleCompiler(Clock clock) {
        this.clock = clock;
    }

    /** Reads and compiles all DRL files in {@code dir}; messages name files as in the directory ({@code NAME}). */
    public RuleSet compile(Path dir) throws RuleSetException {
        return compile(read(dir), null);
    }

    /** Reads the DRL files of a directory, sorted by name. */
    public static Map<String, byte[]> read(Path dir) throws RuleSetException {
        if (!Files.isDirectory(dir)) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0, "rules directory does not exist")));
        }
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.filter(p -> p.toString().endsWith(".drl")).toList()) {
                files.put(dir.relativize(p).toString(), Files.readAllBytes(p)); // an entry of dir: its file name
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
     * Compiles the given DRL sources (file name → content). Parser errors, compile errors, warnings (Drools reports
     * type problems it can tolerate as warnings), constraints that cannot do what they say ({@link LiteralTypeCheck}),
     * imports of classes that do not exist and rule names used twice all refuse the set: one message per problem, at
     * its line and column. {@code dirLabel} prefixes file names in messages (null: the names as given).
     */
    public RuleSet compile(Map<String, byte[]> sources, String dirLabel) throws RuleSetException {
        Map<String, byte[]> sorted = new java.util.TreeMap<>(sources);
        java.util.function.UnaryOperator<String> display = name -> name == null || name.isEmpty() || dirLabel == null
                ? name : Path.of(dirLabel).resolve(name).toString();
        Map<String, DrlText> texts = new HashMap<>();
        sorted.forEach((name, content) -> texts.put(name, new DrlText(content)));
        List<RuleMessage> errors = new ArrayList<>();
        Map<String, PackageDescr> parsed = parse(sorted, texts, display, errors);
        java.util.Set<RuleDescr> unbuildable = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        errors.addAll(duplicateRuleNames(parsed, display, unbuildable));
        Map<String, java.util.Set<String>> badImports = new HashMap<>();
        errors.addAll(missingImports(parsed, texts, display, badImports));
        errors.addAll(attributes(parsed, texts, display, unbuildable));
        // before the build, which rewrites some conditions in place (forall becomes not/not)
        LiteralTypeCheck.Classes classes = classes(parsed);
        errors.addAll(LiteralTypeCheck.check(parsed, texts, classes, display, unbuildable));
        errors.addAll(verdictGlobal(parsed, texts, classes, display));
        // rules Drools would throw on (instead of reporting) stay out of the build; their problem is reported above
        parsed.values().forEach(pkg -> pkg.getRules().removeIf(unbuildable::contains));

        KnowledgeBuilder builder = newBuilder();
        CompositeKnowledgeBuilder batch = builder.batch();
        parsed.forEach((name, descr) -> {
            // parsed once already: hand Drools the tree, not the text again
            Resource r = ResourceFactory.newDescrResource(descr);
            r.setSourcePath(name);
            batch.add(r, ResourceType.DESCR);
        });
        try {
            batch.build();
        } catch (RuntimeException e) {
            errors.addAll(crashes(parsed, display, e));
            throw new RuleSetException(ordered(errors));
        }
        errors.addAll(new BuildProblems(builder, texts, display, badImports).all());
        if (!errors.isEmpty()) {
            throw new RuleSetException(ordered(errors));
        }
        KieBaseConfiguration conf = KieServices.Factory.get().newKieBaseConfiguration();
        // Drools 10.2 compiles constraints to bytecode after 20 evaluations ("JIT"), and the compiled
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
        List<RuleFile> files = new ArrayList<>();
        sorted.forEach((name, content) -> files.add(new RuleFile(name, Hashing.sha256Hex(content))));
        return new RuleSet(revision(sorted), files, names, clock.instant(), kieBase, jit);
    }

    /** The rules with a constraint the Drools 10.2 JIT would break (custom operators such as str[startsWith]). */
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
            if (p.getSource() != null && usesCustomOperator(p.getSource())) {
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

    /**
     * Rules speak through the {@code verdict} global: a set that does not declare it (rightly) cannot decide, and one
     * declared with another type is refused at the declaration.
     */
    private static List<RuleMessage> verdictGlobal(Map<String, PackageDescr> parsed, Map<String, DrlText> texts,
                                                   LiteralTypeCheck.Classes classes,
                                                   java.util.function.UnaryOperator<String> display) {
        String expected = Verdict.class.getName();
        List<RuleMessage> out = new ArrayList<>();
        boolean declared = false;
        for (Map.Entry<String, PackageDescr> e : parsed.entrySet()) {
            for (org.drools.drl.ast.descr.GlobalDescr g : e.getValue().getGlobals()) {
                if (!g.getIdentifier().equals(PolicyEngine.VERDICT_GLOBAL)) {
                    continue;
                }
                declared = true;
                Class<?> type = classes.resolve(e.getValue().getName(), g.getType());
                if (type != Verdict.class) {
                    DrlText text = texts.get(e.getKey());
                    int at = text.offset(g.getLine(), Math.max(0, g.getColumn()));
                    String message = "global \"" + PolicyEngine.VERDICT_GLOBAL + "\" must have type " + expected
                            + ", not " + g.getType() + ": `" + text.quote(g.getLine()) + "`";
                    out.add(at >= 0 ? text.at(display.apply(e.getKey()), at, message)
                            : new RuleMessage(display.apply(e.getKey()), Math.max(0, g.getLine()), 0, message));
                }
            }
        }
        if (!declared && !parsed.isEmpty()) {
            out.add(new RuleMessage(display.apply(parsed.keySet().iterator().next()), 0, 0, "no rule file declares"
                    + " \"global " + expected + " " + PolicyEngine.VERDICT_GLOBAL + ";\" (rules give their verdict"
                    + " through it)"));
        }
        return out;
    }

    /** A {@code salience} written as text that is not a number: Drools accepts it and fails on every evaluation. */
    private static List<RuleMessage> attributes(Map<String, PackageDescr> parsed, Map<String, DrlText> texts,
                                                java.util.function.UnaryOperator<String> display,
                                                java.util.Set<RuleDescr> unbuildable) {
        List<RuleMessage> out = new ArrayList<>();
        parsed.forEach((file, pkg) -> {
            for (RuleDescr rule : pkg.getRules()) {
                org.drools.drl.ast.descr.AttributeDescr salience = rule.getAttributes().get("salience");
                String value = salience == null || salience.getValue() == null ? "" : salience.getValue().strip();
                boolean quoted = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"");
                if (salience == null || !quoted && salience.getType() != org.drools.drl.ast.descr.AttributeDescr.Type.STRING) {
                    continue;
                }
                try {
                    Integer.parseInt(quoted ? value.substring(1, value.length() - 1).strip() : value);
                } catch (NumberFormatException e) {
                    unbuildable.add(rule);
                    DrlText text = texts.get(file);
                    int at = text.offset(salience.getLine(), Math.max(0, salience.getColumn()));
                    String message = "rule \"" + rule.getName() + "\": salience " + value
                            + " is not a number (write e.g. salience 10)";
                    out.add(at >= 0 ? text.at(display.apply(file), at, message)
                            : new RuleMessage(display.apply(file), rule.getLine(), rule.getColumn() + 1, message));
                }
            }
        });
        return out;
    }

    /** Parses each file on its own; files with syntax errors are left out, their errors added to {@code errors}. */
    private static Map<String, PackageDescr> parse(Map<String, byte[]> sources, Map<String, DrlText> texts,
                                                   java.util.function.UnaryOperator<String> display,
                                                   List<RuleMessage> errors) {
        // files are independent: parse them side by side (the DRL parser is a large share of a compile)
        Map<String, PackageDescr> out = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, List<RuleMessage>> problems = new java.util.concurrent.ConcurrentHashMap<>();
        sources.entrySet().parallelStream().forEach(e -> {
            DrlText text = texts.get(e.getKey());
            List<RuleMessage> found = new ArrayList<>();
            try {
                DrlParser parser = new DrlParser();
                Resource resource = ResourceFactory.newByteArrayResource(e.getValue());
                resource.setSourcePath(e.getKey());
                PackageDescr pkg = parser.parse(resource, text.text());
                for (org.drools.drl.parser.DroolsError error : parser.getErrors()) {
                    RuleMessage m = BuildProblems.parserError(display.apply(e.getKey()), text, error);
                    if (m != null) {
                        found.add(m);
                    }
                }
                if (pkg != null && !parser.hasErrors()) {
                    out.put(e.getKey(), pkg);
                } else if (found.isEmpty()) {
                    found.add(new RuleMessage(display.apply(e.getKey()), 0, 0, "cannot be parsed as DRL"));
                }
            } catch (DroolsParserException | RuntimeException ex) {
                found.add(new RuleMessage(display.apply(e.getKey()), Math.max(0, ex instanceof DroolsParserException
                        p ? p.getLineNumber() : 0), 0, "cannot be parsed as DRL: " + BuildProblems.oneLine(
                        ex.getMessage())));
            }
            if (!found.isEmpty()) {
                problems.put(e.getKey(), found);
            }
        });
        new java.util.TreeMap<>(problems).values().forEach(errors::addAll);
        return new java.util.TreeMap<>(out);
    }

    /**
     * How the rule files resolve a type name, per package: Drools' own resolver over the imports of every file of
     * that package (Drools merges them), the package itself and java.lang.
     */
    private static LiteralTypeCheck.Classes classes(Map<String, PackageDescr> parsed) {
        Map<String, java.util.Set<String>> imports = new HashMap<>();
        parsed.values().forEach(pkg -> {
            java.util.Set<String> set = imports.computeIfAbsent(pkg.getName(), k -> new java.util.HashSet<>());
            pkg.getImports().forEach(i -> set.add(i.getTarget()));
        });
        Map<String, org.drools.util.TypeResolver> resolvers = new HashMap<>();
        Map<String, java.util.Optional<Class<?>>> cache = new HashMap<>();
        return (pkg, name) -> cache.computeIfAbsent(pkg + " " + name, k -> {
            org.drools.util.TypeResolver r = resolvers.computeIfAbsent(pkg, p -> {
                org.drools.util.ClassTypeResolver t = new org.drools.util.ClassTypeResolver(
                        new java.util.HashSet<>(imports.getOrDefault(p, java.util.Set.of())),
                        RuleCompiler.class.getClassLoader(), p);
                t.addImplicitImport(p + ".*");
                return t;
            });
            try {
                return java.util.Optional.of(r.resolveType(name));
            } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
                return java.util.Optional.empty();
            }
        }).orElse(null);
    }

    /** The fact classes owners import, for hints in messages. */
    static final String FACT_TYPES_HINT = "the fact types are " + java.util.stream.Stream.of(
                    dev.safeupdater.model.Candidate.class, dev.safeupdater.model.ChangeType.class, Scope.class,
                    AssetHistory.class, dev.safeupdater.policy.Clock.class, dev.safeupdater.model.History.Failure.class, ChangeLevel.class, Freeze.class)
            .map(Class::getCanonicalName).collect(java.util.stream.Collectors.joining(", "));

    /**
     * Imports of classes that do not exist: one message at the import (Drools would report it at line 1 and then
     * complain again wherever the name is used). {@code bad} collects them per file.
     */
    private static List<RuleMessage> missingImports(Map<String, PackageDescr> parsed, Map<String, DrlText> texts,
                                                    java.util.function.UnaryOperator<String> display,
                                                    Map<String, java.util.Set<String>> bad) {
        List<RuleMessage> out = new ArrayList<>();
        parsed.forEach((file, pkg) -> {
            for (org.drools.drl.ast.descr.ImportDescr imp : pkg.getImports()) {
                String target = imp.getTarget() == null ? "" : imp.getTarget().strip();
                if (target.isEmpty() || target.endsWith(".*") || loadable(target)) {
                    continue;
                }
                bad.computeIfAbsent(file, k -> new java.util.HashSet<>()).add(target);
                DrlText text = texts.get(file);
                int at = text.offset(imp.getLine(), Math.max(0, imp.getColumn()));
                if (at < 0 || !text.text().startsWith("import", at)) {
                    at = text.text().indexOf("import " + target);
                }
                String simple = target.substring(target.lastIndexOf('.') + 1);
                String guess = java.util.Arrays.stream(FACT_TYPES_HINT.substring(FACT_TYPES_HINT.indexOf("are ") + 4)
                                .split(", ")).filter(n -> n.endsWith("." + simple)).findFirst()
                        .map(n -> "did you mean " + n + "? ").orElse("");
                String message = "import " + target + ": no such class (" + guess + FACT_TYPES_HINT + ")";
                out.add(at >= 0 ? text.at(display.apply(file), at, message)
                        : new RuleMessage(display.apply(file), Math.max(0, imp.getLine()), 0, message));
            }
        });
        return out;
    }

    private static boolean loadable(String name) {
        String candidate = name;
        for (int i = 0; i < 4 && candidate.contains("."); i++) {
            try {
                Class.forName(candidate, false, RuleCompiler.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                int dot = candidate.lastIndexOf('.');
                candidate = candidate.substring(0, dot) + "$" + candidate.substring(dot + 1); // a nested class
            }
        }
        return false;
    }

    private static KnowledgeBuilder newBuilder() {
        KnowledgeBuilderConfiguration builderConf = KnowledgeBuilderFactory.newKnowledgeBuilderConfiguration();
        // Facts are never modified in a stateless evaluation: property reactivity would only add work (and a
        // "not relevant to this pattern" log warning for every constraint that takes another pattern's variable).
        builderConf.setOption(PropertySpecificOption.ALLOWED);
        return KnowledgeBuilderFactory.newKnowledgeBuilder(builderConf);
    }

    /**
     * Drools threw out of the build instead of reporting a problem: each rule is built on its own to find the ones it
     * throws on, so the message can say where.
     */
    private static List<RuleMessage> crashes(Map<String, PackageDescr> parsed,
                                             java.util.function.UnaryOperator<String> display, RuntimeException e) {
        List<RuleMessage> out = new ArrayList<>();
        parsed.forEach((file, pkg) -> {
            for (RuleDescr rule : pkg.getRules()) {
                PackageDescr alone = new PackageDescr(pkg.getName());
                alone.addAllImports(pkg.getImports());
                pkg.getFunctionImports().forEach(alone::addFunctionImport);
                pkg.getGlobals().forEach(alone::addGlobal);
                pkg.getFunctions().forEach(alone::addFunction);
                pkg.getTypeDeclarations().forEach(alone::addTypeDeclaration);
                pkg.getEnumDeclarations().forEach(alone::addEnumDeclaration);
                pkg.getAttributes().forEach(alone::addAttribute);
                alone.addRule(rule);
                try {
                    KnowledgeBuilder b = newBuilder();
                    b.add(ResourceFactory.newDescrResource(alone), ResourceType.DESCR);
                } catch (RuntimeException ex) {
                    out.add(new RuleMessage(display.apply(file), rule.getLine(), Math.max(0, rule.getColumn()) + 1,
                            "rule \"" + rule.getName() + "\": Drools cannot compile this rule ("
                                    + BuildProblems.oneLine(String.valueOf(ex.getMessage())) + ")"));
                }
            }
        });
        if (out.isEmpty()) {
            out.add(new RuleMessage("", 0, 0, "Drools cannot compile this set ("
                    + BuildProblems.oneLine(String.valueOf(e.getMessage())) + ")"));
        }
        return out;
    }

    /** Problems by file, line and column, each once. */
    private static List<RuleMessage> ordered(List<RuleMessage> errors) {
        Map<String, RuleMessage> once = new java.util.LinkedHashMap<>();
        errors.stream().sorted(java.util.Comparator.comparing(RuleMessage::file, java.util.Comparator.nullsFirst(
                        java.util.Comparator.<String>naturalOrder())).thenComparingInt(RuleMessage::line)
                        .thenComparingInt(RuleMessage::column))
                .forEach(m -> once.putIfAbsent(m.line() > 0 ? m.file() + ":" + m.line() + ":" + m.column()
                        : m.toString(), m));
        return List.copyOf(once.values());
    }

    /** Drools silently lets a second rule of the same name replace the first (reported as INFO): we refuse it. */
    private static List<RuleMessage> duplicateRuleNames(Map<String, PackageDescr> parsed,
                                                        java.util.function.UnaryOperator<String> display,
                                                        java.util.Set<RuleDescr> duplicates) {
        Map<String, String> firstSeen = new HashMap<>();
        List<RuleMessage> errors = new ArrayList<>();
        new java.util.TreeMap<>(parsed).forEach((file, pkg) -> {
            for (RuleDescr rule : pkg.getRules()) {
                String where = display.apply(file) + ":" + rule.getLine();
                String previous = firstSeen.putIfAbsent(rule.getName(), where);
                if (previous != null) {
                    duplicates.add(rule); // left out of the build: Drools would let it replace the first
                    errors.add(new RuleMessage(display.apply(file), rule.getLine(), rule.getColumn() + 1,
                            "duplicate rule name \"" + rule.getName() + "\" (first defined at " + previous + ")"));
                }
            }
        });
        return errors;
    }

}
