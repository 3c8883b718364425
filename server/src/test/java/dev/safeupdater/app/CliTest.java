package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import dev.safeupdater.cli.SafeUpdaterCommand;
import dev.safeupdater.testing.Drl;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI in this process, as `bin/safe-updater ...` runs it. */
class CliTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SafeUpdaterCommand.create(Main.launcher(Map.of("policies.dir", TestPaths.policies().toString()),
                Map.of(), Path.of("").toAbsolutePath()));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path rules(Path dir) {
        return Drl.write(dir, "r.drl", Drl.rule("patch-approve", "changeType == ChangeType.PATCH", "approve", "patch ok")
                + Drl.rule("team-a-major", "changeType == ChangeType.MAJOR, label(\"team\") == \"a\"", "reject",
                "team a never takes majors"));
    }

    @Test
    void evaluatePrintsAReadableVerdictAndExitsZero(@TempDir Path dir) {
        Run r = run("evaluate", "--rules", rules(dir).toString(), "--image", "nginx", "--current", "1.2.3",
                "--candidate", "1.2.4", "--namespace", "shop");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Outcome:   APPROVE  (decided by patch-approve)"), r.out());
        assertTrue(r.out().contains("Change:    PATCH  nginx 1.2.3 -> 1.2.4"), r.out());
        assertTrue(r.out().contains("patch-approve [APPROVE] patch ok"), r.out());
    }

    @Test
    void labelsReachTheRules(@TempDir Path dir) {
        Run r = run("evaluate", "--rules", rules(dir).toString(), "--image", "nginx", "--current", "1.2.3",
                "--candidate", "2.0.0", "--label", "team=a", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"outcome\" : \"REJECT\""), r.out());
        assertTrue(r.out().contains("team a never takes majors"), r.out());
    }

    @Test
    void invalidInputExitsTwoNamingTheField(@TempDir Path dir) {
        Run r = run("evaluate", "--rules", rules(dir).toString(), "--image", "nginx", "--current", "1.2.3",
                "--candidate", "-oops");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("candidateTag: is not a valid image tag"), r.err());
    }

    @Test
    void aBrokenRuleSetExitsOneWithFileLineColumn(@TempDir Path dir) {
        Drl.write(dir, "bad.drl", "rule \"x\" when $c : Candidate( nme == \"a\" ) then end\n");
        Run r = run("evaluate", "--rules", dir.toString(), "--image", "nginx", "--current", "1", "--candidate", "2");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("bad.drl:5:"), r.err());
    }

    @Test
    void migrateAppliesTheSchemaOnceAndReportsIt(@TempDir Path dir) {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        Run first = run("migrate", "--db-url", url);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().matches("(?s)applied \\d+ migrations?\\R"), first.out());
        Run second = run("migrate", "--db-url", url);
        assertEquals("database is up to date", second.out().strip());
    }

    @Test
    void tagsFallsBackToTheStoredListingMarkedStale(@TempDir Path dir) {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        assertEquals(0, run("migrate", "--db-url", url).exit());
        String image = "127.0.0.1:1/shop/offline";
        String digest = "sha256:" + "c".repeat(64);
        java.time.Instant released = java.time.Instant.parse("2025-12-20T10:00:00Z");
        try (dev.safeupdater.store.Database db = dev.safeupdater.store.Database.open(url, "", "", 1)) {
            new dev.safeupdater.store.ImageTagStore(db).recordListing(image, java.util.List.of("1.0.0", "1.1.0"),
                    java.util.List.of(new dev.safeupdater.store.ImageTagStore.TagDetail("1.1.0", digest, released,
                            dev.safeupdater.model.ReleaseTimeSource.REGISTRY)),
                    java.time.Instant.parse("2026-01-01T00:00:00Z"));
        }
        Run r = run("tags", image, "--db-url", url, "--insecure-registry", "127.0.0.1:1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("warning: stale: the registry lookup failed (") && r.err().contains("cannot reach"),
                r.err());
        assertTrue(r.out().matches("(?s).*1\\.1\\.0\\s+version\\s+" + digest + "\\s+2025-12-20T10:00:00Z\\s+REGISTRY.*"),
                r.out());
        Run json = run("tags", image, "--db-url", url, "--insecure-registry", "127.0.0.1:1", "--format", "json");
        assertTrue(json.out().contains("\"stale\" : true") && json.out().contains(digest), json.out());
        // with no stored listing, the failure is an error (exit 3)
        Run none = run("tags", "127.0.0.1:1/shop/never-seen", "--db-url", url, "--insecure-registry", "127.0.0.1:1");
        assertEquals(3, none.exit(), none.err());
    }

    @Test
    void configShowsEffectiveValuesWithSecretsMasked() {
        Run r = run("config", "--port", "9999", "--db-password", "s3cret");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s).*\\bport\\s+SAFE_UPDATER_PORT\\s+9999\\b.*"), r.out());
        assertTrue(r.out().contains("***") && !r.out().contains("s3cret"), r.out());
    }

    @Test
    void everyCommandExplainsItselfWithHelp() {
        for (String[] command : new String[][] {{"serve"}, {"evaluate"}, {"scan"}, {"versions"}, {"tags"},
                {"policy"}, {"policy", "check"}, {"policy", "test"}, {"migrate"}, {"config"}}) {
            String[] args = java.util.Arrays.copyOf(command, command.length + 1);
            args[command.length] = "--help";
            Run r = run(args);
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: safe-updater " + String.join(" ", command)), r.out());
        }
    }

    @Test
    void aBadDatabaseUrlIsALaunchError() {
        Run r = run("migrate", "--db-url", "jdbc:mysql://127.0.0.1/x");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("unsupported database URL"), r.err());
    }
}
