package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.safeupdater.execution.Candidates;
import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Activation (whole sets, atomically, keeping the last good one) and evaluation of candidates in batches. */
class PolicyEngineTest {
    private static final Instant NOW = Instant.parse("2026-03-10T21:30:00Z"); // inside prod's nightly window
    private Path dir;
    private Path rules;
    private Path policies;

    @BeforeEach
    void copyShippedSet() throws IOException {
        dir = Files.createTempDirectory("policy-engine");
        rules = Files.createDirectories(dir.resolve("rules"));
        policies = Files.createDirectories(dir.resolve("policies"));
        copy(TestPaths.rules(), rules);
        copy(TestPaths.policies(), policies);
        copy(TestPaths.policies().resolve("tests"), Files.createDirectories(policies.resolve("tests")));
    }

    @AfterEach
    void delete() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> list = Files.list(from)) {
            for (Path p : list.filter(Files::isRegularFile).toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }

    private PolicyEngine engine(boolean requireTests) {
        return new PolicyEngine(Clock.fixed(NOW, ZoneOffset.UTC),
                new PolicySources(rules, policies, null, requireTests), new Candidates());
    }

    static Candidate candidate(String cluster, String name, String from, String to, Instant released) {
        return new Candidates().build(new CandidateSpec("kubernetes", cluster, "shop", "Deployment", name, "app",
                Map.of(), Map.of(), "ghcr.io/acme/" + name, from, null, to, null, null, released,
                released == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.REGISTRY));
    }

    @Test
    void aBadSetIsRefusedWholeAndTheActiveSetKeepsDeciding() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot good = engine.reload("test");
        Candidate patch = candidate("prod", "web", "1.4.2", "1.4.3", NOW.minusSeconds(5 * 86400));
        assertEquals(Outcome.APPROVE, engine.evaluateAll(List.of(new PolicyInput(patch, null)), NOW).getFirst()
                .outcome());

        Files.writeString(rules.resolve("extra.drl"), RuleCompilerTest.HEADER
                + RuleCompilerTest.rule("change-within-allow", "$c : Candidate()"));
        Files.writeString(policies.resolve("zz.yaml"), "scopes:\n  - name: x\n    minReleaseAge: soon\n");
        RuleSetException e = assertThrows(RuleSetException.class, () -> engine.reload("test"));
        List<String> errors = e.messages().stream().map(RuleMessage::toString).toList();
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("duplicate rule name \"change-within-allow\""), errors.toString());
        assertTrue(errors.get(1).startsWith("zz.yaml:3:20: minReleaseAge"), errors.toString());

        assertSame(good, engine.snapshot().orElseThrow(), "the active set is untouched");
        assertEquals(NOW, engine.lastFailure().orElseThrow().at());
        assertEquals(Outcome.APPROVE, engine.evaluateAll(List.of(new PolicyInput(patch, null)), NOW).getFirst()
                .outcome());
    }

    @Test
    void unchangedRulesAreNotCompiledAgainButEditedPoliciesAreActivated() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot first = engine.reload("test");
        Files.writeString(policies.resolve("zz.yaml"), "scopes:\n  - {name: dev, match: {cluster: dev}}\n");
        PolicySnapshot second = engine.reload("test");
        assertSame(first.rules(), second.rules());
        assertNotEquals(first.policies().revision(), second.policies().revision());
        Candidate dev = candidate("dev", "web", "1.0.0", "1.0.1", null);
        assertEquals("dev", engine.evaluateAll(List.of(new PolicyInput(dev, null)), NOW).getFirst().scopeName());
    }

    @Test
    void reloadingTheActiveFilesActivatesNothingAndARepeatedRefusalIsNotANewOne() throws Exception {
        PolicyEngine engine = engine(false);
        PolicyEngine.Reload first = engine.reloadIfChanged("test");
        assertTrue(first.activated());
        PolicyEngine.Reload same = engine.reloadIfChanged("test");
        assertFalse(same.activated(), "the same files again: a no-op");
        assertSame(first.snapshot(), same.snapshot());

        Path broken = policies.resolve("zz.yaml");
        Files.writeString(broken, "scopes:\n  - name: x\n    minReleaseAge: soon\n");
        RuleSetException refused = assertThrows(RuleSetException.class, () -> engine.reloadIfChanged("test"));
        assertFalse(refused.repeated());
        PolicyEngine.ActivationFailure failure = engine.lastFailure().orElseThrow();
        assertEquals(first.snapshot().rules().revision(), failure.rulesetRevision());
        assertNotEquals(first.snapshot().policies().revision(), failure.policyRevision());
        RuleSetException again = assertThrows(RuleSetException.class, () -> engine.reloadIfChanged("test"));
        assertTrue(again.repeated(), "the same broken files again: refused, but not a new refusal");
        assertEquals(refused.messages(), again.messages());
        assertSame(failure, engine.lastFailure().orElseThrow());

        Files.delete(broken);
        PolicyEngine.Reload reverted = engine.reloadIfChanged("test");
        assertFalse(reverted.activated(), "back to the active files: nothing to activate");
        assertSame(first.snapshot(), reverted.snapshot());
        Files.writeString(broken, "scopes:\n  - name: x\n    minReleaseAge: soon\n");
        assertFalse(assertThrows(RuleSetException.class, () -> engine.reloadIfChanged("test")).repeated(),
                "broken again after another attempt: a new refusal");

        Files.writeString(broken, "scopes:\n  - name: x\n    minReleaseAge: 1d\n");
        PolicyEngine.Reload fixed = engine.reloadIfChanged("test");
        assertTrue(fixed.activated());
        assertSame(first.snapshot().rules(), fixed.snapshot().rules(), "unchanged rule files are not compiled again");
    }

    @Test
    void withRequiredTestsAnEditedTestFileIsANewAttempt() throws Exception {
        PolicyEngine engine = engine(true);
        assertTrue(engine.reloadIfChanged("test").activated());
        assertFalse(engine.reloadIfChanged("test").activated());
        Path cases = policies.resolve("tests/shipped-rules.yaml");
        Files.writeString(cases, Files.readString(cases) + "# reviewed\n");
        assertTrue(engine.reloadIfChanged("test").activated(), "the tests that gate the set changed");
    }

    @Test
    void requiredOwnerTestsGateActivation() throws Exception {
        PolicyEngine engine = engine(true);
        PolicySnapshot s = engine.reload("test");
        assertEquals(26, s.tests().passed());
        // loosen prod to minor: the owner test "a minor update in prod waits for a human" now fails
        String prod = Files.readString(policies.resolve("production.yaml"));
        Files.writeString(policies.resolve("production.yaml"), prod.replace("    allow: patch\n", "    allow: minor\n"));
        RuleSetException e = assertThrows(RuleSetException.class, () -> engine.reload("test"));
        assertTrue(e.getMessage().contains("policy.require-tests is on and the owner tests did not pass"), e.getMessage());
        assertTrue(e.getMessage().contains("test case \"a minor update in prod waits for a human\" failed: outcome:"
                + " expected HOLD, got APPROVE"), e.getMessage());
        assertTrue(e.messages().stream().skip(1).allMatch(m -> m.file().equals("tests/shipped-rules.yaml")),
                "test files are named within the policies directory: " + e.messages());
        assertSame(s, engine.snapshot().orElseThrow());
        // without the gate the same set activates
        assertEquals(ChangeLevel.MINOR, engine(false).reload("test").policies().scope("prod").orElseThrow().allow());
    }

    @Test
    void evaluationsRunningDuringActivationsSeeOneWholeSet() throws Exception {
        Files.delete(rules.resolve("default.drl"));
        String a = RuleCompilerTest.HEADER + RuleCompilerTest.rule("a-rule", "$c : Candidate()");
        String b = RuleCompilerTest.HEADER + RuleCompilerTest.rule("b-rule", "$c : Candidate()")
                + RuleCompilerTest.rule("b-second", "$c : Candidate( image != null )");
        Files.writeString(rules.resolve("set.drl"), a);
        PolicyEngine engine = engine(false);
        String revA = engine.reload("test").rules().revision();
        List<PolicyInput> inputs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            inputs.add(new PolicyInput(candidate("prod", "app-" + i, "1.0.0", "1.0.1", null), null));
        }
        java.util.concurrent.atomic.AtomicReference<String> problem = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger batches = new java.util.concurrent.atomic.AtomicInteger();
        Thread evaluator = new Thread(() -> {
            while (!stop.get() && problem.get() == null) {
                List<Evaluation> out = engine.evaluateAll(inputs, NOW);
                String rev = out.getFirst().rulesetRevision();
                List<String> expected = rev.equals(revA) ? List.of("a-rule") : List.of("b-rule", "b-second");
                for (Evaluation e : out) {
                    List<String> fired = e.firedRules().stream().map(FiredRule::name).sorted().toList();
                    if (!e.rulesetRevision().equals(rev) || !fired.equals(expected)) {
                        problem.set("mixed sets in one batch: " + e.rulesetRevision() + " " + fired);
                    }
                }
                batches.incrementAndGet();
            }
        });
        evaluator.start();
        for (int i = 0; i < 10; i++) {
            Files.writeString(rules.resolve("set.drl"), i % 2 == 0 ? b : a);
            engine.reload("test");
        }
        stop.set(true);
        evaluator.join(30_000);
        assertNull(problem.get(), problem.get());
        assertTrue(batches.get() > 0);
    }

    @Test
    void noActiveSetMeansNoEvaluation() {
        PolicyEngine engine = engine(false);
        assertThrows(PolicyEngine.NoActiveRuleSetException.class,
                () -> engine.evaluate(candidate("prod", "web", "1.0.0", "1.0.1", null)));
    }

    /** One failure window for every history, however it came: 7 days (or a longer failureCooldown) before now. */
    @Test
    void failuresOutsideTheFailureWindowAreNotSeenByTheRules() throws Exception {
        PolicyEngine engine = engine(false);
        engine.reload("test");
        Candidate c = candidate("prod", "web", "1.4.2", "1.4.3", NOW.minusSeconds(5 * 86400));
        History h = new History(List.of(
                new History.Failure("1.4.1", "1.4.2", null, "ROLLED_BACK", NOW.minusSeconds(3600), null),
                new History.Failure("1.4.0", "1.4.1", null, "FAILED", NOW.minus(java.time.Duration.ofDays(8)), null)),
                List.of(), List.of(), null);
        Evaluation e = engine.evaluateAll(List.of(new PolicyInput(c, h)), NOW).getFirst();
        assertEquals(List.of("1.4.2"), e.history().failures().stream().map(History.Failure::toTag).toList(),
                "the 8-day-old failure is outside prod's window (7 days: its failureCooldown is 48h)");
        assertEquals("recent-failure", e.decidedBy());
        assertEquals(java.time.Duration.ofDays(7), new Subject(c, engine.require().policies().explain(c), h)
                .failureWindow());
        Candidate critical = new Candidate(new dev.safeupdater.model.AssetKey("static", "prod", "shop", "Deployment",
                "pay", "app"), java.util.Map.of("tier", "critical"), java.util.Map.of(), "ghcr.io/acme/pay", "1.4.2",
                null, "1.4.3", null, dev.safeupdater.model.ChangeType.PATCH, false, NOW.minusSeconds(30 * 86400),
                dev.safeupdater.model.ReleaseTimeSource.REGISTRY);
        History longAgo = new History(List.of(new History.Failure("1.4.1", "1.4.2", null, "FAILED",
                NOW.minus(java.time.Duration.ofDays(6)), null)), List.of(), List.of(), null);
        Evaluation kept = engine.evaluateAll(List.of(new PolicyInput(critical, longAgo)), NOW).getFirst();
        assertEquals(1, kept.history().failures().size(), "inside the window");
        assertEquals("prod-critical", kept.scopeName());
    }

    @Test
    void theStrongestOutcomeWinsAndEveryFiredRuleIsRecordedWithMetadata() throws Exception {
        PolicyEngine engine = engine(false);
        engine.reload("test");
        Candidate c = candidate("prod", "web", "1.4.2", "1.4.3", NOW.minusSeconds(86400));
        History pinned = new History(List.of(), List.of(new History.Pin("1.4.3", null, "broke checkout", "ops",
                NOW)), List.of(), null);
        Evaluation e = engine.evaluateAll(List.of(new PolicyInput(c, pinned)), NOW).getFirst();
        assertEquals(Outcome.REJECT, e.outcome());
        assertEquals("pinned-version", e.decidedBy());
        assertEquals(List.of("change-within-allow", "pinned-version", "release-too-young"),
                e.firedRules().stream().map(FiredRule::name).sorted().toList());
        FiredRule pin = e.firedRules().stream().filter(f -> f.name().equals("pinned-version")).findFirst()
                .orElseThrow();
        assertEquals("platform-team", pin.metadata().get("owner"));
        assertTrue(pin.metadata().get("description").startsWith("A version pinned"));
        assertEquals(List.of("1.4.3 is pinned for this asset: broke checkout (by ops)"), e.reasons());
        assertEquals("prod", e.scopeName());
        assertEquals(Mode.ENFORCE, e.mode());
        assertEquals(NOW, e.evaluatedAt());
    }

    @Test
    void noRuleSpeakingMeansHold() throws Exception {
        Files.delete(rules.resolve("default.drl"));
        Files.writeString(rules.resolve("quiet.drl"), RuleCompilerTest.HEADER
                + "rule \"only-majors\" when $c : Candidate( changeType == ChangeType.MAJOR ) then end\n");
        PolicyEngine engine = engine(false);
        engine.reload("test");
        Evaluation e = engine.evaluateAll(List.of(new PolicyInput(candidate("prod", "w", "1.0.0", "1.0.1", null),
                null)), NOW).getFirst();
        assertEquals(Outcome.HOLD, e.outcome());
        assertEquals(List.of(Evaluation.NO_RULE_MATCHED), e.reasons());
        assertNull(e.decidedBy());
        Evaluation major = engine.evaluateAll(List.of(new PolicyInput(candidate("prod", "w", "1.0.0", "2.0.0", null),
                null)), NOW).getFirst();
        assertEquals(List.of(new FiredRule("only-majors", null, null, Map.of())), major.firedRules(),
                "a rule that fired without speaking is still listed");
    }

    @Test
    void batchesKeepEachCandidateWithItsOwnScopeAndHistory() throws Exception {
        PolicyEngine engine = engine(false);
        engine.reload("test");
        Instant old = NOW.minusSeconds(10 * 86400);
        Candidate a = candidate("prod", "web", "1.4.2", "1.4.3", old);
        Candidate sameAsA = candidate("prod", "web", "1.4.2", "1.4.3", old);
        Candidate minor = candidate("prod", "web", "1.4.2", "1.5.0", old);
        Candidate staging = candidate("staging", "web", "1.4.2", "1.5.0", old);
        History pin = new History(List.of(), List.of(new History.Pin("1.4.3", null, "bad", "ops", NOW)), List.of(),
                null);
        List<Evaluation> out = engine.evaluateAll(List.of(new PolicyInput(a, null), new PolicyInput(sameAsA, pin),
                new PolicyInput(minor, null), new PolicyInput(staging, null), new PolicyInput(a, null)), NOW);
        assertEquals(List.of(Outcome.APPROVE, Outcome.REJECT, Outcome.HOLD, Outcome.APPROVE, Outcome.APPROVE),
                out.stream().map(Evaluation::outcome).toList(),
                "equal candidates with different histories are not mixed up");
        assertEquals(List.of("change-within-allow"), out.getFirst().firedRules().stream().map(FiredRule::name)
                .toList(), "each candidate's rules fire once, even when it appears twice");
        assertSame(sameAsA, out.get(1).candidate());
    }

    @Test
    void largeBatchesSplitAcrossProcessorsGiveTheSameAnswersAsOneByOne() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot s = engine.reload("test");
        String[] clusters = {"prod", "staging", "edge-1", "dev"};
        String[] tags = {"1.4.3", "1.5.0", "2.0.0", "1.4.1", "1.5.0-rc.1"};
        List<PolicyInput> inputs = new ArrayList<>();
        for (int i = 0; i < Evaluator.PARALLEL_CHUNK * 3; i++) {
            Instant released = i % 3 == 0 ? null : NOW.minusSeconds(3600L * (i % 200));
            History h = i % 7 == 0 ? new History(List.of(new History.Failure("1.4.1", "1.4.2", null, "ROLLED_BACK",
                    NOW.minusSeconds(3600L * (i % 100)), null)), List.of(), List.of(), null) : History.EMPTY;
            inputs.add(new PolicyInput(candidate(clusters[i % 4], "app-" + (i % 500), "1.4.2", tags[i % 5],
                    released), h));
        }
        List<Evaluation> batch = engine.evaluateAll(inputs, NOW);
        for (int i = 0; i < inputs.size(); i += 97) {
            PolicyInput in = inputs.get(i);
            Evaluation one = PolicyEngine.evaluate(s, List.of(new Subject(in.candidate(),
                    s.policies().match(in.candidate()), in.history())), NOW).getFirst();
            assertEquals(one.outcome(), batch.get(i).outcome(), "candidate " + i);
            assertEquals(one.firedRules(), batch.get(i).firedRules(), "candidate " + i);
            assertSame(in.candidate(), batch.get(i).candidate());
        }
    }

    @Test
    void pooledSessionsCarryNothingFromOneEvaluationToTheNext() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot s = engine.reload("test");
        String[] clusters = {"prod", "staging", "edge-1", "dev"};
        String[] tags = {"1.4.3", "1.5.0", "2.0.0", "1.4.1", "1.5.0-rc.1"};
        List<PolicyInput> inputs = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            Instant released = i % 3 == 0 ? null : NOW.minusSeconds(3600L * (i % 200));
            History h = switch (i % 4) {
                case 0 -> new History(List.of(), List.of(new History.Pin(tags[i % 5], null, "bad", "ops", NOW)),
                        List.of(), null);
                case 1 -> new History(List.of(new History.Failure("1.4.1", "1.4.2", null, "ROLLED_BACK",
                        NOW.minusSeconds(3600), null)), List.of(), List.of(), null);
                default -> History.EMPTY;
            };
            inputs.add(new PolicyInput(candidate(clusters[i % 4], "app-" + i, "1.4.2", tags[i % 5], released), h));
        }
        // more candidates than a pooled session takes: one session of its own, the reference answers
        assertTrue(inputs.size() > RuleSessions.POOLED_MAX);
        List<Evaluation> expected = engine.evaluateAll(inputs, NOW);
        // one at a time from several threads: pooled sessions, each used many times, pins and failures in between
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                done.add(threads.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (int i = first; i < inputs.size(); i += 4) {
                            PolicyInput in = inputs.get(i);
                            Evaluation one = PolicyEngine.evaluate(s, List.of(new Subject(in.candidate(),
                                    s.policies().match(in.candidate()), in.history())), NOW).getFirst();
                            assertEquals(expected.get(i).outcome(), one.outcome(), "candidate " + i);
                            assertEquals(expected.get(i).reasons(), one.reasons(), "candidate " + i);
                            assertEquals(expected.get(i).firedRules(), one.firedRules(), "candidate " + i);
                        }
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertTrue(expected.stream().map(Evaluation::outcome).distinct().count() == 3,
                "the inputs reach every outcome: " + expected.stream().map(Evaluation::outcome).toList());
    }

    @Test
    void ownerTestsOfTheShippedSetAllPassAndCoverEveryRule() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot s = engine.reload("test");
        PolicyTestReport report = engine.test(s.rules(), s.policies(), policies.resolve("tests"));
        assertEquals(List.of(), report.cases().stream().filter(c -> c.status() != PolicyTestReport.Status.PASS)
                .map(c -> c.name() + ": " + c.differences()).toList());
        assertTrue(report.ok());
        assertEquals(List.of(), report.uncoveredRules());
        assertTrue(report.summary().total() >= 20);
    }

    @Test
    void ownerTestsReportDifferencesAndCoverage() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot s = engine.reload("test");
        Path tests = Files.createDirectories(dir.resolve("t"));
        Files.writeString(tests.resolve("a.yaml"), String.join("\n",
                "cases:",
                "  - name: wrong on purpose",
                "    at: 2026-03-10T21:30:00Z",
                "    candidate: {cluster: prod, image: ghcr.io/acme/web, current: 1.4.2, candidate: 1.4.3,"
                        + " releaseAge: 5d}",
                "    expect: {outcome: reject, decidedBy: downgrade, fired: [downgrade], scope: staging,"
                        + " reasonContains: nope, mode: dry-run}",
                "  - name: unknown scope",
                "    at: 2026-03-10T21:30:00Z",
                "    candidate: {image: x, current: 1.0.0, candidate: 1.0.1}",
                "    scope: {name: nosuch}",
                "    expect: {outcome: hold}",
                ""));
        Files.writeString(tests.resolve("b.yaml"), "cases:\n  - name: broken\n    expect: {outcome: maybe}\n");
        PolicyTestReport r = engine.test(s.rules(), s.policies(), tests);
        assertEquals(new PolicyTestReport.Summary(2, 0, 1, 4), r.summary(),
                "1 failed case, 1 case that could not run, 3 problems in b.yaml");
        PolicyTestReport.CaseResult wrong = r.cases().getFirst();
        assertEquals(PolicyTestReport.Status.FAIL, wrong.status());
        assertEquals(6, wrong.differences().size(), wrong.differences().toString());
        assertTrue(wrong.differences().get(0).startsWith("outcome: expected REJECT, got APPROVE"));
        assertTrue(wrong.differences().get(3).contains("(missing [downgrade]) (unexpected [change-within-allow])"),
                wrong.differences().get(3));
        assertEquals(PolicyTestReport.Status.ERROR, r.cases().get(1).status());
        assertTrue(r.cases().get(1).differences().getFirst().contains("no scope named \"nosuch\""));
        assertTrue(r.errors().stream().anyMatch(m -> m.toString().contains("b.yaml:2:5: a test case needs \"at\"")),
                r.errors().toString());
        assertTrue(r.errors().stream().anyMatch(m -> m.toString().contains("outcome must be one of approve, hold,"
                + " reject")), r.errors().toString());
        assertTrue(r.uncoveredRules().contains("freeze"));
        assertTrue(!r.ok());
    }

    @Test
    void ruleFilesReferToTheFactsByTheirDocumentedNames() throws Exception {
        // an owner's rule using every fact the way docs/policy-authoring.md shows
        Files.writeString(rules.resolve("owner.drl"), RuleCompilerTest.HEADER + String.join("\n",
                "import dev.safeupdater.policy.*;",
                "rule \"no-first-update-on-tuesday\"",
                "    @owner(\"sre\") @ticket(\"OPS-12\")",
                "when",
                "    Clock( $now : now, zoned(\"Europe/Berlin\").getDayOfWeek() == java.time.DayOfWeek.TUESDAY )",
                "    $s : Scope( name == \"prod\" )",
                "    $h : AssetHistory( candidate == $s.candidate, lastUpdate == null )",
                "then",
                "    verdict.hold($s.candidate(), \"no first updates on Tuesdays\");",
                "end",
                ""));
        PolicyEngine engine = engine(false);
        engine.reload("test");
        Evaluation e = engine.evaluateAll(List.of(new PolicyInput(candidate("prod", "w", "1.4.2", "1.4.3",
                NOW.minusSeconds(864000)), null)), NOW).getFirst();
        assertEquals("no-first-update-on-tuesday", e.decidedBy());
        FiredRule f = e.firedRules().stream().filter(r -> r.name().equals("no-first-update-on-tuesday")).findFirst().orElseThrow();
        assertEquals(Map.of("owner", "sre", "ticket", "OPS-12"), f.metadata());
    }

    @Test
    void explanationsSayWhyTheScopeMatched() throws Exception {
        PolicyEngine engine = engine(false);
        PolicySnapshot s = engine.reload("test");
        Candidate c = new Candidates().build(new CandidateSpec("kubernetes", "prod", "shop", "Deployment", "pay",
                "app", Map.of("tier", "critical"), Map.of(), "ghcr.io/acme/pay", "1.0.0", null, "1.1.0", null, null,
                NOW.minusSeconds(864000), ReleaseTimeSource.REGISTRY));
        Evaluation e = PolicyEngine.evaluate(s, List.of(new Subject(c, s.policies().explain(c), null)), NOW)
                .getFirst();
        ScopeMatch.Explanation x = e.explanation().scope();
        assertEquals("prod-critical", x.name());
        assertEquals(List.of("cluster \"prod\" matches \"prod\"", "label tier=\"critical\" matches \"critical\"",
                "highest priority (300) of 2 matching scopes"), x.because());
        assertEquals(1, x.alsoMatched().size());
        assertEquals("minor", x.settings().get("allow"));
        assertEquals("outside-maintenance-window", e.decidedBy());
        assertTrue(e.reasons().getFirst().endsWith("the next window opens 2026-03-14T02:00+01:00[Europe/Berlin]"),
                e.reasons().toString());
        assertEquals(ChangeType.MINOR, e.explanation().changeType());
        byte[] json = new com.fasterxml.jackson.databind.ObjectMapper()
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .writeValueAsBytes(e.explanation());
        assertTrue(new String(json, StandardCharsets.UTF_8).contains("\"because\""));
    }
}
