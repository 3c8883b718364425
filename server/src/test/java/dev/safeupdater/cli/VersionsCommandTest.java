package dev.safeupdater.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import dev.safeupdater.app.Main;
import dev.safeupdater.registry.RegistryFixtures;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The versions and tags commands, in process, printing what a user sees. */
class VersionsCommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = SafeUpdaterCommand.create(Main.launcher(
                Map.of("rules.dir", TestPaths.rules().toString(), "policies.dir", TestPaths.policies().toString()), Map.of(), Path.of(System.getProperty("java.io.tmpdir"))));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionsPrintsCandidatesAndIgnoredTagsAsTables() {
        Run r = run("versions", "--current", "16.1", "--available", "16.2,16.3,16.3.1,17.0,17beta1,latest,16.1-alpine");
        assertEquals(0, r.exit(), r.err());
        String expected = """
                Current: 16.1  16.1 (2 parts)

                CLASS       CANDIDATE
                patch       -
                minor       16.3
                major       17.0
                prerelease  -

                IGNORED TAG  REASON
                16.2         not the newest minor candidate (16.3 is)
                16.3.1       precision differs: 3 parts (current: 2 parts)
                17beta1      precision differs: 1 part (current: 2 parts)
                latest       not a version (a name such as latest, stable or alpine)
                16.1-alpine  variant differs: alpine (current: none)
                """;
        assertEquals(expected, r.out());
    }

    @Test
    void versionsJsonAndBadInput() {
        Run json = run("versions", "--current", "v1.2.3", "--available", "v1.3.0", "--format", "json");
        assertEquals(0, json.exit());
        assertTrue(json.out().contains("\"minor\" : \"v1.3.0\""), json.out());
        Run bad = run("versions", "--current", "1.0", "--available", "1.1,bad tag");
        assertEquals(SafeUpdaterCommand.EXIT_INVALID_INPUT, bad.exit());
        assertTrue(bad.err().contains("available[1]"), bad.err());
    }

    @Test
    void tagsListsTheRegistrysTagsWithDigestsAndReleaseTimes() {
        try (RegistryFixtures registry = RegistryFixtures.start()) {
            Run r = run("tags", registry.host() + "/shop/db", "--insecure-registry", registry.host());
            assertEquals(0, r.exit(), r.err());
            String[] lines = r.out().split("\n");
            assertEquals(registry.host() + "/shop/db", lines[0]);
            assertTrue(lines[1].startsWith("TAG   KIND     DIGEST"), lines[1]);
            assertTrue(lines[2].startsWith("16.2  version  sha256:"), lines[2]);
            assertTrue(lines[2].endsWith("2025-06-01T11:00:00Z  IMAGE_CONFIG"), lines[2]);
            assertTrue(lines[3].startsWith("16.1  version  sha256:"), lines[3]);
            assertEquals("2 of 2 tags shown, newest first", lines[4]);

            Run fromImage = run("versions", "--current", "16.1", "--image", registry.host() + "/shop/db",
                    "--insecure-registry", registry.host());
            assertEquals(0, fromImage.exit(), fromImage.err());
            assertTrue(fromImage.out().contains("Tags:    2 from " + registry.host() + "/shop/db"), fromImage.out());
            assertTrue(fromImage.out().contains("minor       16.2"), fromImage.out());
            Run both = run("versions", "--current", "16.1", "--image", "x", "--available", "16.2");
            assertEquals(2, both.exit(), "picocli refuses --image with --available");

            Run missing = run("tags", registry.host() + "/no/such", "--insecure-registry", registry.host());
            assertEquals(TagsCommand.EXIT_REGISTRY_FAILED, missing.exit());
            assertTrue(missing.err().contains("NAME_UNKNOWN"), missing.err());
        }
    }
}
