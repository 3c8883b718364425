package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.cli.SafeUpdaterCommand;
import dev.safeupdater.registry.CycleRegistry;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code run --once} and {@code plan} as the CLI runs them (exit codes 0, 1, 2), and {@code serve} killed with
 * SIGKILL in the middle of a cycle: after a restart the cycle is INTERRUPTED, the next one completes, and no decision
 * of the killed cycle exists (H2 and PostgreSQL).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CycleProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private CycleRegistry registry;

    @BeforeAll
    void start() {
        registry = CycleRegistry.start();
    }

    @AfterAll
    void stop() {
        registry.close();
    }

    record Run(int exit, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SafeUpdaterCommand.create(Main.launcher(Map.of(), Map.of(), Path.of("").toAbsolutePath()));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A config file: database, shipped rules and policies, the registry's credentials in a Docker config. */
    Path config(Path dir, String dbUrl, String dbUser, Path inventory) throws Exception {
        String auth = Base64.getEncoder().encodeToString((registry.user() + ":" + registry.password())
                .getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("docker-config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\""
                + auth + "\"}}}");
        Path file = dir.resolve("config-" + inventory.getFileName());
        Files.writeString(file, "db:\n  url: \"" + dbUrl + "\"\n  user: \"" + dbUser + "\"\n"
                + "rules:\n  dir: \"" + TestPaths.rules() + "\"\n"
                + "policies:\n  dir: \"" + TestPaths.policies() + "\"\n"
                + "inventory:\n  file: \"" + inventory + "\"\n"
                + "registry:\n  insecure: \"" + registry.host() + "," + registry.failingHost() + ","
                + registry.slowHost() + "\"\n  docker-config: \"" + dir.resolve("docker-config.json") + "\"\n"
                + "  retries: 0\n  timeout-seconds: 600\n"
                + "log:\n  format: text\n");
        return file;
    }

    Path inventory(Path dir, String name, String... extraImages) throws Exception {
        StringBuilder assets = new StringBuilder("assets:\n  - {kind: VM, name: web-a, image: " + registry.host()
                + "/demo/web:1.0.0}\n");
        for (int i = 0; i < extraImages.length; i++) {
            assets.append("  - {kind: VM, name: extra-").append(i).append(", image: ").append(extraImages[i])
                    .append("}\n");
        }
        Files.writeString(dir.resolve(name + "-assets.yaml"), assets.toString());
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, "sources:\n  - {name: hosts, type: static, file: " + name + "-assets.yaml}\n");
        return file;
    }

    @Test
    void runOnceDecidesPrintsASummaryAndExitsByWhatWorked(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_DELAY=0";
        Path good = inventory(dir, "good");
        Path config = config(dir, url, "", good);

        Run first = cli("run", "--once", "--config", config.toString());
        assertEquals(0, first.exit(), first.out() + first.err());
        assertTrue(first.out().contains("SUCCEEDED"), first.out());
        assertTrue(first.out().contains("3 decisions written, 0 unchanged"), first.out());
        // counts read as English: one asset, one image (not "1 assets", "1 images")
        assertTrue(first.out().contains("1 asset scanned, 1 image looked up ("), first.out());
        assertTrue(first.out().contains("Slowest stages:"), first.out());
        // per source name (the inventory's "hosts"), not per source type
        assertTrue(first.out().matches("(?s).*hosts\\s+1\\s+0\\s+0\\s+0\\s+0\\s+1.*"), first.out());

        Run second = cli("run", "--once", "--config", config.toString(), "--format", "json");
        assertEquals(0, second.exit(), second.err());
        JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(second.out());
        assertEquals(0, summary.path("cycle").path("counts").path("decisionsWritten").asLong(), second.out());
        assertEquals(3, summary.path("cycle").path("counts").path("decisionsUnchanged").asLong());
        assertEquals(1, summary.path("plan").path("byOutcome").path("APPROVE").asLong());
        assertEquals(1, summary.path("bySource").path("hosts").path("byOutcome").path("APPROVE").asLong(),
                second.out());

        Run plan = cli("plan", "--config", config.toString());
        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.out().matches("(?s).*web-a\\s+1\\.0\\.0\\s+1\\.0\\.1\\s+PATCH\\s+APPROVE\\s+change-within-allow.*"),
                plan.out());
        assertTrue(plan.out().contains("1 entry: 1 APPROVE, 0 HOLD, 0 REJECT"), plan.out());
        Run held = cli("plan", "--config", config.toString(), "--outcome", "hold", "--format", "json");
        assertEquals(0, new com.fasterxml.jackson.databind.ObjectMapper().readTree(held.out()).path("total").asLong());

        // a registry that answers 500 for one repository: that asset is stale, the rest decided, exit 1
        Path broken = inventory(dir, "broken", registry.failingHost() + "/other/app:1.0.0");
        Run partial = cli("run", "--once", "--config", config.toString(), "--inventory", broken.toString());
        assertEquals(1, partial.exit(), partial.out() + partial.err());
        assertTrue(partial.out().contains("PARTIAL"), partial.out());
        assertTrue(partial.out().contains(registry.failingHost() + "/other/app"), partial.out());
        // the stale asset has nothing proposed (it is not called up to date) and is counted as stale
        assertTrue(partial.out().matches("(?s).*NOTHING TO PROPOSE\\s+STALE\\s+TOTAL.*"), partial.out());
        assertTrue(partial.out().matches("(?s).*hosts\\s+1\\s+0\\s+0\\s+1\\s+1\\s+2.*"), partial.out());
        Run stalePlan = cli("plan", "--config", config.toString(), "--format", "json");
        JsonNode items = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stalePlan.out()).path("items");
        assertEquals("web-a", items.get(0).path("asset").path("name").asText());
        assertEquals("APPROVE", items.get(0).path("outcome").asText());
        assertTrue(items.get(1).path("stale").asBoolean(), stalePlan.out());

        // bad configuration: exit 2
        Run bad = cli("run", "--once", "--config", config.toString(), "--inventory",
                dir.resolve("missing.yaml").toString());
        assertEquals(2, bad.exit(), bad.out() + bad.err());
        assertTrue(bad.err().contains("cannot read inventory file " + dir.resolve("missing.yaml") + ": no such file"),
                bad.err());

        // a server started on that database shows the stored plan in its gauges before it has run a cycle itself
        Process server = serve(dir, config);
        try {
            String metrics = new Http(port(server)).get("/observe/metrics").body();
            assertTrue(metrics.matches("(?s).*safe_updater_pending_updates\\{[^}]*outcome=\"APPROVE\"[^}]*} 1\\.0.*"),
                    metrics);
            assertTrue(metrics.matches("(?s).*safe_updater_cycles_total\\{[^}]*status=\"SUCCEEDED\"[^}]*} 0\\.0.*"),
                    "no cycle ran in this server: " + metrics);
        } finally {
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aCycleKilledWithServeIsInterruptedAndTheNextCompletesOnH2(@TempDir Path dir) throws Exception {
        killMidCycle(dir, "jdbc:h2:file:" + dir.resolve("db"), "");
    }

    @Test
    void aCycleKilledWithServeIsInterruptedAndTheNextCompletesOnPostgres(@TempDir Path dir) throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            killMidCycle(dir, pg.url(), pg.user());
        }
    }

    private void killMidCycle(Path dir, String url, String user) throws Exception {
        Path slow = inventory(dir, "slow", registry.slowHost() + "/other/app:1.0.0");
        Process first = serve(dir, config(dir, url, user, slow));
        long killed;
        try {
            Http http = new Http(port(first));
            HttpResponse<String> started = post(http, "/api/v1/cycles");
            assertEquals(202, started.statusCode(), started.body());
            killed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(started.body()).path("id").asLong();
            // wait until the cycle has scanned and hangs in discovery (the slow registry answers nothing)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (http.get("/api/v1/cycles/" + killed).json().path("stages").size() < 1
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals("RUNNING", http.get("/api/v1/cycles/" + killed).json().path("state").asText());
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        Process second = serve(dir, config(dir, url, user, inventory(dir, "good")));
        try {
            Http http = new Http(port(second));
            JsonNode interrupted = http.get("/api/v1/cycles/" + killed).json();
            assertEquals("INTERRUPTED", interrupted.path("state").asText(), interrupted.toString());
            assertFalse(interrupted.path("finishedAt").isNull());
            HttpResponse<String> next = post(http, "/api/v1/cycles");
            assertEquals(202, next.statusCode(), next.body());
            long id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(next.body()).path("id").asLong();
            JsonNode done;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            do {
                Thread.sleep(100);
                done = http.get("/api/v1/cycles/" + id).json();
            } while (done.path("state").asText().equals("RUNNING") && System.nanoTime() < deadline);
            assertEquals("SUCCEEDED", done.path("state").asText(), done.toString());
            JsonNode decisions = http.get("/api/v1/decisions?limit=100").json().path("items");
            assertEquals(3, decisions.size(), decisions.toString());
            for (JsonNode d : decisions) {
                assertEquals("cycle:" + id, d.path("actor").asText(), "no decision of the killed cycle");
            }
        } finally {
            second.destroy();
            assertTrue(second.waitFor(30, TimeUnit.SECONDS));
        }
    }

    private static HttpResponse<String> post(Http http, String path) throws Exception {
        return HttpClient.newHttpClient().send(http.request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Process serve(Path workDir, Path config) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--port", "0", "--config", config.toString()));
        return new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
    }

    private static int port(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread.ofVirtual().start(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe drained
                        }
                    } catch (java.io.IOException e) {
                        // the process ended
                    }
                });
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("serve did not start:\n" + seen);
    }
}
