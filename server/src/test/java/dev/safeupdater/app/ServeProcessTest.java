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
                "--sun-misc-unsafe-memory-access=allow"));
        // the coverage agent of this test JVM (bin/test's JaCoCo), so the child's run counts too
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-javaagent:") && a.contains("jacoco")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
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

    /** A bad rule set does not stop the server: it says where the problem is and stays not ready until fixed. */
    @Test
    void aRefusedRuleSetLeavesServeRunningButNotReady(@TempDir Path work) throws Exception {
        Path rules = Drl.write(work.resolve("rules"), "bad.drl", "rule \"x\" when $c : Candidate( nme == 1 ) then end\n");
        Process p = launch(work, "serve", "--port", "0", "--rules", rules.toString(), "--policies",
                TestPaths.policies().toString(), "--log-format", "text");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            int port = -1;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                seen.append(line).append('\n');
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, seen.toString());
            assertTrue(seen.toString().contains("bad.drl:5:"), "the log names file and line: " + seen);
            var health = new Http(port).get("/observe/health/ready");
            assertEquals(503, health.status(), health.body());
            assertTrue(health.body().contains("\"rules\",\"status\":\"DOWN\""), health.body());
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "server stops on SIGTERM");
        }
    }

    @Test
    void exitWhenReadyIsASmokeTestOfConfigurationRulesAndDatabase(@TempDir Path work) throws Exception {
        Process good = launch(work, "serve", "--port", "0", "--exit-when-ready", "--db-url", "jdbc:h2:mem:smoke",
                "--rules", TestPaths.rules().toString(), "--policies", TestPaths.policies().toString());
        assertTrue(good.waitFor(60, TimeUnit.SECONDS));
        String out = new String(good.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, good.exitValue(), out);
        assertTrue(out.contains("ready: {\"status\":\"UP\""), out);

        Path rules = Drl.write(work.resolve("bad-rules"), "bad.drl", "rule \"x\" when $c : Candidate( nme == 1 ) then end\n");
        Process bad = launch(work, "serve", "--port", "0", "--exit-when-ready", "--db-url", "jdbc:h2:mem:smoke2",
                "--rules", rules.toString(), "--policies", TestPaths.policies().toString());
        assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
        String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, bad.exitValue(), badOut);
        assertTrue(badOut.contains("not ready: "), badOut);
    }

    /**
     * The CLI beside a running server on the default embedded database: `scan` writes through the server's H2
     * (AUTO_SERVER) instead of waiting for the file lock, and the server sees what it wrote.
     */
    @Test
    void theCliWorksBesideARunningServerOnTheDefaultDatabase(@TempDir Path work) throws Exception {
        Files.writeString(work.resolve("assets.yaml"), """
                assets:
                  - kind: VM
                    name: side-by-side
                    image: registry.example.com/edge/proxy:2.4.1
                """);
        Files.writeString(work.resolve("inventory.yaml"), """
                sources:
                  - name: edge
                    type: static
                    file: assets.yaml
                """);
        Process serve = launch(work, "serve", "--port", "0", "--rules", TestPaths.rules().toString(),
                "--policies", TestPaths.policies().toString(), "--log-format", "text");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                    StandardCharsets.UTF_8));
            int port = -1;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, "the server printed its port");
            Process scan = launch(work, "scan", "--inventory", "inventory.yaml", "--rules", TestPaths.rules().toString(),
                    "--policies", TestPaths.policies().toString(), "--log-format", "text");
            assertTrue(scan.waitFor(120, TimeUnit.SECONDS), "scan finished");
            String scanOut = new String(scan.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String scanErr = new String(scan.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, scan.exitValue(), scanOut + scanErr);
            assertTrue(!(scanOut + scanErr).contains("locked"), scanOut + scanErr);
            var assets = new Http(port).get("/api/v1/assets?kind=VM");
            assertEquals(200, assets.status(), assets.body());
            assertTrue(assets.body().contains("side-by-side"), "the server reads what the CLI wrote: " + assets.body());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(20, TimeUnit.SECONDS), "server stops on SIGTERM");
        }
    }
}
