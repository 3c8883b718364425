package dev.safeupdater.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.app.Main;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import dev.safeupdater.testing.Workloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code safe-updater scan}: the summary table, JSON output and exit codes, with sources on fabric8's mock API server
 * (CRUD mode; no real API server can run here), a static file and a Docker engine that is not there.
 */
class ScanCommandTest {
    @TempDir
    Path tmp;
    private MockCluster cluster;
    private TestDatabase db;

    /** Main's launcher with the test database and the shipped rules under the command's flags. */
    private Launcher launcher() {
        return Main.launcher(Map.of("db.url", db.url(), "db.user", db.user(), "rules.dir", TestPaths.rules().toString(),
                "policies.dir", TestPaths.policies().toString()),
                Map.of(), tmp);
    }

    @BeforeEach
    void setUp() throws Exception {
        cluster = MockCluster.start();
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:1.25.3").build());
        cluster.put(Workloads.of("Deployment", "shop", "api").container("app", "acme/api:2.0").build());
        cluster.put(Workloads.of("CronJob", "shop", "report").container("job", "acme/report:1.0").build());
        cluster.kubeconfig(tmp, "mock");
        Files.writeString(tmp.resolve("assets.yaml"), "assets:\n  - {kind: Appliance, name: edge, image: edge/proxy:1}\n");
        Files.writeString(tmp.resolve("inventory.yaml"), """
                sources:
                  - {name: prod, type: kubernetes, kubeconfig: kubeconfig-mock, kinds: [Deployment, CronJob]}
                  - {name: edge, type: static, file: assets.yaml}
                  - {name: laptop, type: docker, host: "unix:///nonexistent/safe-updater-test.sock", timeout: 3s}
                """);
        db = TestDatabase.create(TestDatabase.Kind.H2);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        db.close();
    }

    private record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        CommandLine cl = SafeUpdaterCommand.create(launcher());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aSummaryTableBySourceAndKindWithErrorsAndExitCode3WhenASourceFailed() {
        Result r = run("scan", "--inventory", tmp.resolve("inventory.yaml").toString());
        assertEquals(ScanCommand.EXIT_SOURCE_FAILED, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().matches("Scan \\d+: PARTIAL in \\d+\\.\\d s"), lines.getFirst());
        assertTrue(r.out().contains("SOURCE  TYPE        KIND        SEEN  NEW  CHANGED  GONE  STATUS"), r.out());
        assertTrue(r.out().contains("prod    kubernetes  CronJob        1    1        0     0  SUCCEEDED"), r.out());
        assertTrue(r.out().contains("prod    kubernetes  Deployment     2    2        0     0  SUCCEEDED"), r.out());
        assertTrue(r.out().contains("edge    static      Appliance      1    1        0     0  SUCCEEDED"), r.out());
        assertTrue(r.out().contains("laptop  docker      -              0    0        0     0  FAILED"), r.out());
        assertTrue(r.out().contains("Errors (these sources' inventory was left as it was):"), r.out());
        assertTrue(r.out().contains("laptop: cannot reach the Docker engine"), r.out());
        assertFalse(r.err().contains("\r"), "no progress bar when not on a terminal");
    }

    @Test
    void oneSourceAsJsonAndExitCode0() throws Exception {
        Result r = run("scan", "--inventory", tmp.resolve("inventory.yaml").toString(), "--source", "prod",
                "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode run = new ObjectMapper().readTree(r.out());
        assertEquals("SUCCEEDED", run.path("status").asText());
        assertEquals(1, run.path("sources").size());
        assertEquals(3, run.path("sources").get(0).path("seen").asInt());
        assertTrue(run.path("actor").asText().startsWith("cli:"));
        Result again = run("scan", "--inventory", tmp.resolve("inventory.yaml").toString(), "--source", "prod");
        assertTrue(again.out().contains("prod    kubernetes  Deployment     2    0        0     0  SUCCEEDED"),
                again.out());
    }

    @Test
    void anUnknownSourceOrNoInventoryIsInvalidInput() {
        Result unknown = run("scan", "--inventory", tmp.resolve("inventory.yaml").toString(), "--source", "nope");
        assertEquals(SafeUpdaterCommand.EXIT_INVALID_INPUT, unknown.code());
        assertTrue(unknown.err().contains("unknown source \"nope\""), unknown.err());
        Result none = run("scan");
        assertEquals(SafeUpdaterCommand.EXIT_INVALID_INPUT, none.code());
        assertTrue(none.err().contains("no inventory sources are configured"), none.err());
        Result bad = run("scan", "--inventory", tmp.resolve("assets.yaml").toString());
        assertEquals(SafeUpdaterCommand.EXIT_LAUNCH_FAILED, bad.code());
        assertTrue(bad.err().contains("inventory: "), bad.err());
    }

    @Test
    void theProgressBarDrawsOnOneLine() throws InterruptedException {
        StringWriter err = new StringWriter();
        ScanCommand.ProgressBar bar = new ScanCommand.ProgressBar(new PrintWriter(err));
        bar.sourceStarted("prod", "kubernetes", 0, 2);
        Thread.sleep(60); // redraws are limited to 20 a second
        bar.listed("prod", "Deployment", 5_000, 10_000);
        bar.listed("prod", "Deployment", 10_000, 10_000);
        String text = err.toString();
        assertTrue(text.contains("\r"), "redrawn in place");
        assertTrue(text.contains("[1/2] prod (kubernetes)  [###############---------------] 5,000/10,000 Deployment"),
                text);
        assertTrue(text.contains("[##############################] 10,000/10,000 Deployment"), text);
    }
}
