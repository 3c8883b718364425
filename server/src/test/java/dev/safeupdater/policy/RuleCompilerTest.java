package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.safeupdater.model.History;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;

/** What refuses a rule set (with file:line:column), and the constraint JIT decision (custom operators, Drools 10.2). */
class RuleCompilerTest {
    static final String HEADER = "package t;\nimport dev.safeupdater.model.*;\n"
            + "global dev.safeupdater.policy.Verdict verdict;\n";
    private final RuleCompiler compiler = new RuleCompiler(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));

    private RuleSet compile(String... nameAndContent) throws RuleSetException {
        Map<String, byte[]> files = new TreeMap<>();
        for (int i = 0; i < nameAndContent.length; i += 2) {
            files.put(nameAndContent[i], nameAndContent[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return compiler.compile(files, "rules");
    }

    private List<String> refused(String... nameAndContent) {
        return assertThrows(RuleSetException.class, () -> compile(nameAndContent)).messages().stream()
                .map(RuleMessage::toString).toList();
    }

    static String rule(String name, String when) {
        return "rule \"" + name + "\"\nwhen\n    " + when + "\nthen\n    verdict.hold($c, \"" + name + "\");\nend\n";
    }

    @Test
    void shippedRulesCompileWithTheJitOn() throws Exception {
        RuleSet set = compiler.compile(TestPaths.rules());
        assertTrue(set.constraintJit(), "no shipped rule uses a custom operator");
        assertEquals(11, set.ruleNames().size());
        assertEquals(64, set.revision().length());
    }

    @Test
    void syntaxErrorsNameFileLineAndColumn() {
        List<String> errors = refused("a.drl", HEADER + "rule \"r\"\nwhen\n    $c : Candidate( image == )\nthen\nend\n");
        assertTrue(errors.getFirst().startsWith("rules/a.drl:6:"), errors.toString());
    }

    @Test
    void unknownPropertiesAreErrors() {
        List<String> errors = refused("a.drl", HEADER + rule("r", "$c : Candidate( colour == \"red\" )"));
        assertEquals(1, errors.size());
        assertTrue(errors.getFirst().startsWith("rules/a.drl:6:") && errors.getFirst().contains("colour"),
                errors.toString());
    }

    @Test
    void literalsOfTheWrongTypeAreRefusedWhereTheyAreWritten() {
        List<String> errors = refused("a.drl", HEADER
                + rule("enum-typo", "$c : Candidate( changeType == \"MAJR\" )")
                + rule("time-text", "$c : Candidate( releaseTime > \"yesterday\" )")
                + rule("text-number", "$c : Candidate( image == 5 )")
                + rule("bool-text", "$c : Candidate( currentPrerelease == \"yes\" )"));
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("rules/a.drl:6:21: rule \"enum-typo\": `changeType == \"MAJR\"`"),
                errors.get(0));
        assertTrue(errors.get(1).startsWith("rules/a.drl:12:21: rule \"time-text\""), errors.get(1));
        assertTrue(errors.get(2).contains("text never equals a number"), errors.get(2));
        assertTrue(errors.get(3).contains("Drools would turn it into false"), errors.get(3));
    }

    @Test
    void wellTypedLiteralsPass() throws Exception {
        compile("a.drl", HEADER + "import dev.safeupdater.model.ChangeType;\n"
                + rule("a", "$c : Candidate( changeType == ChangeType.MAJOR, image == \"nginx\", currentPrerelease"
                + " == false, labels[\"tier\"] == \"web\", releaseTime != null )")
                + rule("b", "$c : Candidate( changeType in (ChangeType.MAJOR, ChangeType.MINOR) )"));
    }

    @Test
    void duplicateRuleNamesAcrossFilesRefuseTheWholeSet() {
        List<String> errors = refused("a.drl", HEADER + rule("same", "$c : Candidate()"),
                "b.drl", HEADER + "\n\n" + rule("same", "$c : Candidate()"));
        assertEquals(List.of("rules/b.drl:6:1: duplicate rule name \"same\" (first defined at rules/a.drl:4)"),
                errors);
    }

    @Test
    void aSetWithoutTheVerdictGlobalIsRefused() {
        List<String> errors = refused("a.drl", "package t;\nimport dev.safeupdater.model.*;\n"
                + "rule \"r\" when $c : Candidate() then end\n");
        assertTrue(errors.getFirst().contains("no rule file declares \"global dev.safeupdater.policy.Verdict"),
                errors.toString());
    }

    @Test
    void anEmptyOrMissingDirectoryIsRefused() throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.createTempDirectory("rules");
        try {
            assertTrue(assertThrows(RuleSetException.class, () -> compiler.compile(empty)).getMessage()
                    .contains("no .drl files found"));
        } finally {
            java.nio.file.Files.delete(empty);
        }
        assertTrue(assertThrows(RuleSetException.class, () -> compiler.compile(java.nio.file.Path.of("/nope")))
                .getMessage().contains("rules directory does not exist"));
    }

    /**
     * The worked examples of docs/policy-authoring.md compile together with the shipped rules: the rule examples with
     * the imports the page lists, and each complete file exactly as written.
     */
    @Test
    void theDocumentedExamplesCompile() throws Exception {
        String doc = java.nio.file.Files.readString(TestPaths.repoRoot().resolve("docs/policy-authoring.md"));
        StringBuilder drl = new StringBuilder(HEADER).append("import dev.safeupdater.policy.*;\n")
                .append("import dev.safeupdater.model.History.Failure;\n");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```\\n(rule \"[\\s\\S]*?\\nend)\\n```")
                .matcher(doc);
        int examples = 0;
        while (m.find()) {
            drl.append(m.group(1)).append("\n\n");
            examples++;
        }
        assertEquals(5, examples, "the rule examples of the facts");
        Map<String, byte[]> files = new TreeMap<>(Map.of("examples.drl", drl.toString().getBytes(StandardCharsets.UTF_8),
                "default.drl", java.nio.file.Files.readAllBytes(TestPaths.rules().resolve("default.drl"))));
        java.util.regex.Matcher whole = java.util.regex.Pattern.compile("```drl\\n(package [\\s\\S]*?)```")
                .matcher(doc);
        int complete = 0;
        while (whole.find()) {
            files.put("file" + ++complete + ".drl", whole.group(1).getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(1, complete, "the complete new file");
        RuleSet set = compiler.compile(files, "docs");
        assertEquals(11 + 5 + 2, set.ruleNames().size());
        assertTrue(set.ruleNames().containsAll(List.of("sandbox-namespaces-never", "majors-after-a-rollback",
                "rolled-back-version-recently")), set.ruleNames().toString());
        assertFalse(set.constraintJit(), "the database example uses str[endsWith]");
    }

    /** The owner test example of docs/policy-authoring.md is a valid test file, and passes against the shipped set. */
    @Test
    void theDocumentedOwnerTestExamplePasses() throws Exception {
        String doc = java.nio.file.Files.readString(TestPaths.repoRoot().resolve("docs/policy-authoring.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```yaml\\n(defaults:[\\s\\S]*?)```").matcher(doc);
        assertTrue(m.find(), "the owner test example");
        List<PolicyTestCase> cases = new ArrayList<>();
        List<RuleMessage> problems = new ArrayList<>();
        PolicyTests.parseFile("example.yaml", m.group(1).getBytes(StandardCharsets.UTF_8), cases, problems);
        assertEquals(List.of(), problems);
        PolicyTestReport report = PolicyTests.run(compiler.compile(TestPaths.rules()),
                PolicyParser.parse(TestPaths.policies()), cases, problems, new dev.safeupdater.execution.Candidates());
        assertTrue(report.ok(), report.cases().toString());
    }

    /** Item by item, what Drools reports and where the owner must look: one message each, at line and column. */
    @Test
    void parserErrorsAreOneMessageAtTheTrueColumnWithTheLine() {
        List<String> errors = refused("a.drl", HEADER + "rule \"r\"\nwhen\n    $c : Candidate( image == )\nthen\nend\n");
        assertEquals(List.of("rules/a.drl:6:30: no viable alternative at input ')' in rule \"r\":"
                + " `$c : Candidate( image == )`"), errors);
    }

    @Test
    void javaErrorsInConsequencesAreAtTheirOwnLineAndColumn() {
        List<String> errors = refused("a.drl", HEADER + "rule \"r\"\nwhen\n    $c : Candidate( )\nthen\n"
                + "    String s = $c.image();\n\n    verdict.hold($c, s.foo());\nend\n"
                + "rule \"one-line\" when $c : Candidate() then verdict.hold($c, 5); end\n");
        assertEquals(List.of(
                "rules/a.drl:10:24: rule \"r\": The method foo() is undefined for the type String:"
                        + " `verdict.hold($c, s.foo());`",
                "rules/a.drl:12:52: rule \"one-line\": The method hold(Candidate, String) in the type Verdict is not"
                        + " applicable for the arguments (Candidate, int): `rule \"one-line\" when $c : Candidate()"
                        + " then verdict.hold($c, 5); end`"), errors);
    }

    @Test
    void expressionErrorsAreAtTheConstraintNotAtLineMinusOne() {
        List<String> errors = refused("a.drl", HEADER
                + rule("unbound", "$c : Candidate( image == $x )")
                + rule("no-property", "$c : Candidate( colour == \"red\" )")
                + rule("three-reports", "$c : Candidate( labels[\"x\"].foo() == 1 )")
                + rule("bad-from", "$c : Candidate( )\n    $f : dev.safeupdater.model.History.Failure( ) from $c.bar")
                + rule("bad-regex", "$c : Candidate( image matches \"x[\" )")
                + rule("bad-operator", "$c : Candidate( image str[startsWit] \"x\" )"));
        assertEquals(List.of(
                "rules/a.drl:6:21: rule \"unbound\": `image == $x`: $x is not bound: no pattern or constraint before"
                        + " this one binds it (write e.g. $x : Candidate() first)",
                "rules/a.drl:12:21: rule \"no-property\": `colour == \"red\"`: Candidate has no property or method"
                        + " \"colour\"",
                "rules/a.drl:18:21: rule \"three-reports\": `labels[\"x\"].foo()`: String has no property or method"
                        + " \"foo\"",
                "rules/a.drl:25:56: rule \"bad-from\": `$c.bar`: Candidate has no property or method \"bar\"",
                "rules/a.drl:31:21: rule \"bad-regex\": `image matches \"x[\"`: bad regular expression",
                "rules/a.drl:37:27: rule \"bad-operator\": `image str[startsWit] \"x\"` uses str[startsWit]: str takes"
                        + " startsWith, endsWith or length"), errors);
    }

    @Test
    void aMissingImportIsOneMessageAtTheImport() {
        List<String> errors = refused("a.drl", "package t;\nimport dev.safeupdater.model.Scope;\n"
                + "global dev.safeupdater.policy.Verdict verdict;\n"
                + "rule \"r\" when $s : Scope( ) then verdict.hold($s.candidate(), \"x\"); end\n");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().startsWith("rules/a.drl:2:1: import dev.safeupdater.model.Scope: no such class"
                + " (did you mean dev.safeupdater.policy.Scope? the fact types are dev.safeupdater.model.Candidate,"),
                errors.getFirst());
    }

    @Test
    void anUnknownFactTypeNamesTheFactTypesAndItsConsequenceIsNotBlamedToo() {
        List<String> errors = refused("a.drl", HEADER + rule("r", "$c : Candidat( )"));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().startsWith("rules/a.drl:6:10: rule \"r\": unknown fact type \"Candidat\" (is it"
                + " imported? the fact types are dev.safeupdater.model.Candidate, dev.safeupdater.model.ChangeType,"
                + " dev.safeupdater.policy.Scope, dev.safeupdater.policy.AssetHistory, dev.safeupdater.policy.Clock,"),
                errors.getFirst());
    }

    @Test
    void theVerdictGlobalWithAnotherTypeIsRefusedAtItsDeclaration() {
        List<String> errors = refused("a.drl", "package t;\nimport dev.safeupdater.model.*;\n\n"
                + "global java.util.List verdict;\nrule \"r\" when $c : Candidate() then end\n");
        assertEquals(List.of("rules/a.drl:4:1: global \"verdict\" must have type dev.safeupdater.policy.Verdict, not"
                + " java.util.List: `global java.util.List verdict;`"), errors);
    }

    @Test
    void metadataEscapesAreReadAsJavaReadsThem() throws Exception {
        RuleSet set = compile("a.drl", HEADER + "rule \"r\"\n    @description(\"say \\\"true\\\" \\\\ twice\")\n"
                + "    @owner('ops')\nwhen\n    $c : Candidate()\nthen\n    verdict.hold($c, \"x\");\nend\n");
        org.kie.api.definition.rule.Rule rule = set.kieBase().getRule("t", "r");
        assertEquals(Map.of("description", "say \"true\" \\ twice", "owner", "ops"), Verdict.readMetadata(rule));
    }

    /**
     * With the constraint JIT on, Drools 10.2 throws NoSuchMethodError after ~20 evaluations of a
     * constraint using a custom operator. A set using one gets the JIT off, and keeps deciding correctly.
     */
    @Test
    void customOperatorsTurnTheJitOffAndStillEvaluateTensOfThousandsOfTimes() throws Exception {
        RuleSet set = compile("a.drl", HEADER + rule("ghcr", "$c : Candidate( image str[startsWith] \"ghcr.io/\" )"));
        assertFalse(set.constraintJit());
        int evaluations = 0;
        int held = 0;
        for (int round = 0; round < 250; round++) {
            List<Subject> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String image = (i % 2 == 0 ? "ghcr.io/acme/app" : "docker.io/library/app") + round + "-" + i;
                batch.add(new Subject(new Candidate(new AssetKey("static", "", "", "Deployment", "a" + i, ""),
                        Map.of(), Map.of(), image, "1.0.0", null, "1.0.1", null, ChangeType.PATCH, false, null, null,
                        false), null, History.EMPTY));
            }
            for (Evaluation e : Evaluator.evaluate(set, "p", batch, Instant.EPOCH)) {
                evaluations++;
                boolean ghcr = e.candidate().image().startsWith("ghcr.io/");
                assertEquals(ghcr ? List.of("ghcr") : List.of(),
                        e.firedRules().stream().map(dev.safeupdater.model.FiredRule::name).toList());
                held += e.outcome() == Outcome.HOLD && ghcr ? 1 : 0;
            }
        }
        assertTrue(evaluations >= 10_000, "evaluated " + evaluations);
        assertEquals(evaluations / 2, held);
    }
}
