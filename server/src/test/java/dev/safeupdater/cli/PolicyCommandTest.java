package dev.safeupdater.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.app.Main;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The owner tooling as a CI job would run it: policy check, policy test, evaluate. */
class PolicyCommandTest {
    private static final String RULES = TestPaths.rules().toString();
    private static final String POLICIES = TestPaths.policies().toString();

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = SafeUpdaterCommand.create(Main.launcher(Map.of(), Map.of(), TestPaths.repoRoot()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void checkAcceptsTheShippedSet() {
        Run r = run("policy", "check", "--rules", RULES, "--policies", POLICIES);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("OK: 11 rules in 1 file(s)"), r.out());
        assertTrue(r.out().contains("6 scopes in 2 file(s)"), r.out());
    }

    @Test
    void checkPrintsEveryProblemAsFileLineColumnAndExitsOne() throws Exception {
        Path dir = Files.createTempDirectory("check");
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Path policies = Files.createDirectories(dir.resolve("policies"));
        Files.writeString(rules.resolve("a.drl"), "package t;\nimport dev.safeupdater.model.*;\n"
                + "global dev.safeupdater.policy.Verdict verdict;\n"
                + "rule \"r\" when $c : Candidate( changeType == \"MAJR\" ) then verdict.hold($c, \"x\"); end\n");
        Files.writeString(policies.resolve("p.yaml"), "scopes:\n  - name: p\n    approvals: {count: 2, deadlin: 1h}\n");
        Run r = run("policy", "check", "--rules", rules.toString(), "--policies", policies.toString());
        assertEquals(1, r.exit());
        String[] lines = r.err().split("\\R");
        assertTrue(lines[0].startsWith("a.drl:4:31: rule \"r\": `changeType == \"MAJR\"` compares ChangeType"),
                lines[0]);
        assertTrue(lines[1].startsWith("p.yaml:3:27: unknown key \"deadlin\" in approvals (did you mean"
                + " \"deadline\"?)"), lines[1]);
        assertTrue(!r.err().contains(dir.toString()), "no path of the machine: " + r.err());
        assertEquals("2 problems; this set would be refused", lines[2]);
    }

    @Test
    void testRunsTheShippedCasesAndReportsCoverage() {
        Run r = run("policy", "test", "--rules", RULES, "--policies", POLICIES);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("PASS  tests/shipped-rules.yaml:"), r.out());
        assertTrue(r.out().contains("Every rule was fired by some case."), r.out());
        assertTrue(r.out().strip().endsWith("26 cases: 26 passed, 0 failed, 0 errors"), r.out());
    }

    @Test
    void testFailuresShowTheDifferenceAsTextOrJsonAndExitOne() throws Exception {
        Path tests = Files.createTempDirectory("cases");
        Files.writeString(tests.resolve("t.yaml"), String.join("\n",
                "cases:",
                "  - name: staging minor is held (wrong)",
                "    at: 2026-03-10T12:00:00Z",
                "    candidate: {cluster: staging, image: nginx, current: 1.0.0, candidate: 1.1.0, releaseAge: 2d}",
                "    expect: {outcome: hold}",
                ""));
        Run text = run("policy", "test", tests.toString(), "--rules", RULES, "--policies", POLICIES);
        assertEquals(1, text.exit());
        assertTrue(text.out().contains("FAIL  t.yaml:2  staging minor is held (wrong)"), text.out());
        assertTrue(text.out().contains("      outcome: expected HOLD, got APPROVE"), text.out());
        assertTrue(text.out().contains("Rules no case fired: approvals-required, change-beyond-allow"), text.out());

        Run json = run("policy", "test", tests.toString(), "--format", "json", "--rules", RULES, "--policies",
                POLICIES);
        assertEquals(1, json.exit());
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertEquals(1, report.get("summary").get("failed").asInt());
        assertEquals("FAIL", report.get("cases").get(0).get("status").asText());
        assertEquals("APPROVE", report.get("cases").get(0).get("outcome").asText());
        assertTrue(report.get("uncoveredRules").toString().contains("freeze"));

        assertEquals(2, run("policy", "test", "--format", "yaml").exit(), "bad usage");
        Files.delete(tests.resolve("t.yaml"));
        Run none = run("policy", "test", tests.toString(), "--rules", RULES, "--policies", POLICIES);
        assertEquals(1, none.exit(), "no cases is not a pass");
        assertTrue(none.out().contains("(no test cases found)"), none.out());
    }

    @Test
    void evaluateExplainsInTextAndJson() throws Exception {
        String[] args = {"evaluate", "--rules", RULES, "--policies", POLICIES, "--image", "ghcr.io/acme/web",
                "--current", "1.4.2", "--candidate", "1.4.3", "--source", "kubernetes", "--cluster", "prod",
                "--namespace", "shop", "--kind", "Deployment", "--name", "web", "--release-time",
                "2026-03-01T00:00:00Z", "--at", "2026-03-10T21:30:00Z", "--pinned", "1.4.3"};
        Run text = run(args);
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().startsWith("Outcome:   REJECT  (decided by pinned-version)"), text.out());
        assertTrue(text.out().contains("Scope:     prod  ("), text.out());
        assertTrue(text.out().contains("  because  cluster \"prod\" matches \"prod\""), text.out());
        assertTrue(text.out().contains("  - change-within-allow [APPROVE] PATCH change 1.4.2 -> 1.4.3"), text.out());
        assertTrue(text.out().contains("owner=platform-team"), text.out());

        String[] jsonArgs = java.util.Arrays.copyOf(args, args.length + 2);
        jsonArgs[args.length] = "--format";
        jsonArgs[args.length + 1] = "json";
        Run json = run(jsonArgs);
        JsonNode e = new ObjectMapper().readTree(json.out());
        assertEquals("REJECT", e.get("outcome").asText());
        assertEquals("prod", e.get("scope").get("name").asText());
        assertEquals("2026-03-10T21:30:00Z", e.get("evaluatedAt").asText());
    }

    @Test
    void evaluateRefusesToRunOnABadSet() throws Exception {
        Path rules = Files.createTempDirectory("bad-rules");
        Files.writeString(rules.resolve("a.drl"), "package t;\nrule \"x\" when then\n");
        Run r = run("evaluate", "--rules", rules.toString(), "--policies", POLICIES, "--image", "nginx",
                "--current", "1.0.0", "--candidate", "1.0.1");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("refused") && r.err().contains("\na.drl:3:1: mismatched input"), r.err());
    }

    @Test
    void aDateForAtIsAClearProblemNotTheWholeUsage() {
        Run r = run("evaluate", "--rules", RULES, "--policies", POLICIES, "--image", "nginx", "--current", "1.0.0",
                "--candidate", "1.0.1", "--at", "2026-03-13");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("\"2026-03-13\" is not an instant: it is a date; give a time with its zone, e.g."
                + " 2026-03-13T00:00:00Z"), r.err());
        assertTrue(r.err().contains("See 'safe-updater evaluate --help' for the options."), r.err());
        assertTrue(!r.err().contains("Usage:") && r.err().lines().count() <= 3, r.err());
    }

    @Test
    void evaluateAssumesAFailureOfAVersionSoHistoryRulesCanBeTried() throws Exception {
        String[] args = {"evaluate", "--rules", RULES, "--policies", POLICIES, "--image", "ghcr.io/acme/web",
                "--current", "1.4.2", "--candidate", "1.4.4", "--source", "kubernetes", "--cluster", "prod",
                "--namespace", "shop", "--kind", "Deployment", "--name", "web", "--release-time",
                "2026-03-01T00:00:00Z", "--at", "2026-03-10T21:30:00Z", "--failed-at", "2026-03-10T20:00:00Z",
                "--failed-version", "1.4.3", "--failed-state", "rolled_back", "--format", "json"};
        Run r = run(args);
        assertEquals(0, r.exit(), r.err());
        JsonNode e = new ObjectMapper().readTree(r.out());
        JsonNode failure = e.get("history").get("failures").get(0);
        assertEquals("1.4.3", failure.get("toTag").asText());
        assertEquals("ROLLED_BACK", failure.get("state").asText());
        boolean held = false;
        for (JsonNode f : e.get("firedRules")) {
            held |= f.get("name").asText().equals("recent-failure")
                    && f.get("reason").asText().contains("ended ROLLED_BACK at 2026-03-10T20:00:00Z (to 1.4.3)");
        }
        assertTrue(held, e.get("firedRules").toString());

        String[] text = java.util.Arrays.copyOf(args, args.length - 2);
        Run t = run(text);
        assertTrue(t.out().contains("History:\n  failed    1.4.3 ROLLED_BACK at 2026-03-10T20:00:00Z"), t.out());

        Run mismatch = run("evaluate", "--rules", RULES, "--policies", POLICIES, "--image", "nginx", "--current",
                "1.0.0", "--candidate", "1.0.1", "--failed-at", "2026-03-10T20:00:00Z", "--failed-at",
                "2026-03-09T20:00:00Z", "--failed-at", "2026-03-08T20:00:00Z", "--failed-version", "1.0.1",
                "--failed-version", "1.0.0");
        assertEquals(2, mismatch.exit());
        assertTrue(mismatch.err().contains("--failed-version is given 2 times for 3 --failed-at"), mismatch.err());
    }

    /** A thread-safe writer the watching command prints to while the test reads. */
    static final class Output extends java.io.Writer {
        private final StringBuffer text = new StringBuffer();

        @Override
        public void write(char[] buf, int off, int len) {
            text.append(buf, off, len);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        String text() {
            return text.toString();
        }

        int runs() {
            return text().split("ran in ", -1).length - 1;
        }

        void awaitRuns(int n) throws InterruptedException {
            long until = System.nanoTime() + 60_000_000_000L;
            while (runs() < n && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertTrue(runs() >= n, "expected " + n + " runs:\n" + text());
        }
    }

    @Test
    void testWatchRunsTheTestsAgainOnEverySave() throws Exception {
        Path dir = Files.createTempDirectory("watch");
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Path policies = Files.createDirectories(dir.resolve("policies/tests"));
        policies = policies.getParent();
        for (String f : new String[]{"default.drl"}) {
            Files.copy(TestPaths.rules().resolve(f), rules.resolve(f));
        }
        for (String f : new String[]{"production.yaml", "non-production.yaml", "tests/shipped-rules.yaml"}) {
            Files.copy(TestPaths.policies().resolve(f), policies.resolve(f));
        }
        CommandLine cl = SafeUpdaterCommand.create(Main.launcher(Map.of(), Map.of(), TestPaths.repoRoot()));
        Output out = new Output();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter()));
        int[] exit = {-1};
        Thread watching = new Thread(() -> exit[0] = cl.execute("policy", "test", "--watch", "--debounce-ms", "50",
                "--rules", rules.toString(), "--policies", dir.resolve("policies").toString()));
        watching.start();
        try {
            out.awaitRuns(1);
            assertTrue(out.text().contains("26 cases: 26 passed, 0 failed, 0 errors"), out.text());
            Path prod = policies.resolve("production.yaml");
            String before = Files.readString(prod);
            Files.writeString(prod, before.replace("    allow: patch\n", "    allow: minor\n"));
            out.awaitRuns(2);
            String second = out.text().substring(out.text().indexOf("ran in "));
            assertTrue(second.contains("FAIL  tests/shipped-rules.yaml:") && second.contains("1 failed"), second);
            Files.writeString(prod, before);
            out.awaitRuns(3);
            String third = out.text().substring(out.text().lastIndexOf("ran in ", out.text().lastIndexOf("ran in ")
                    - 1));
            assertTrue(third.contains("26 cases: 26 passed, 0 failed, 0 errors"), third);
        } finally {
            watching.interrupt();
            watching.join(10_000);
        }
        assertEquals(0, exit[0], "the last run passed");
    }
}
