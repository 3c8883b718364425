package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.safeupdater.testing.Drl;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `safe-updater serve` as its own process: free port, embedded H2 created under the working directory, health. */
class ServeProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    private static Process launch(Path workDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(false).start();
    }

    @Test
    void servePicksAFreePortCreatesTheEmbeddedDatabaseAndAnswersHealth(@TempDir Path work) throws Exception {
        Process p = launch(work, "serve", "--port", "0", "--rules", TestPaths.rules().toString(),
                "--policies", TestPaths.policies().toString(), "--log-format", "text");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, "the server printed its port");
            var health = new Http(port).get("/observe/health");
            assertEquals(200, health.status(), health.body());
            assertTrue(Files.isDirectory(work.resolve("data")), "embedded database created under ./data/");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "server stops on SIGTERM");
        }
    }

    @Test
    void aRefusedRuleSetStopsServeWithTheErrorAndExitCodeOne(@TempDir Path work) throws Exception {
        Path rules = Drl.write(work.resolve("rules"), "bad.drl", "rule \"x\" when $c : Candidate( nme == 1 ) then end\n");
        Process p = launch(work, "serve", "--port", "0", "--rules", rules.toString());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("bad.drl:5:"), err);
    }
}
