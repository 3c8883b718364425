package dev.safeupdater.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.HostConfig;
import dev.safeupdater.app.Main;
import dev.safeupdater.cli.SafeUpdaterCommand;
import dev.safeupdater.testing.DockerRollouts;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code run --once --apply}, what a CronJob runs, on the real Docker engine and a real registry: the cycle's approved
 * update is applied and verified before the command ends, the summary lists the runs the cycle queued with their state,
 * and a release that fails its health check is rolled back and makes the command exit 1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunOnceApplyTest {
    private static final String SHELL = "exec httpd -f -p 127.0.0.1:$PORT -h /www";
    private DockerRollouts fx;
    private String repo;
    private String name;

    @BeforeAll
    void setUp() throws Exception {
        fx = new DockerRollouts();
        repo = fx.startRegistry() + "/demo/once";
        fx.image(repo + ":1.0.0", SHELL, true);
        fx.image(repo + ":1.0.1", SHELL, true);
        fx.push(repo + ":1.0.1", true);
        int port = DockerRollouts.freePort();
        name = "once-" + fx.runId;
        String id = fx.docker.createContainerCmd(repo + ":1.0.0").withName(name).withEnv("PORT=" + port)
                // a Compose project is the container's namespace: the run metrics of this test (process-wide
                // counters labelled source and namespace) stay apart from DockerRolloutTest's, which counts from 0
                .withLabels(Map.of(DockerRollouts.LABEL, fx.runId, "com.docker.compose.project", "once-" + fx.runId))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host")).exec().getId();
        fx.docker.startContainerCmd(id).exec();
    }

    @AfterAll
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SafeUpdaterCommand.create(Main.launcher(Map.of(), Map.of(), Path.of("").toAbsolutePath()));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private Path config(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("policies"));
        Files.writeString(dir.resolve("policies/docker.yaml"), "scopes:\n  - name: containers\n"
                + "    match: {source: docker}\n    allow: patch\n    allowUnknownAge: true\n    failureCooldown: 1s\n");
        Files.writeString(dir.resolve("inventory.yaml"), "sources:\n  - name: local\n    type: docker\n"
                + "    engine: once-engine\n    host: " + fx.host + "\n"
                + "    labels: {" + DockerRollouts.LABEL + ": \"" + fx.runId + "\"}\n");
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "db:\n  url: \"jdbc:h2:file:" + dir.resolve("db") + "\"\n"
                + "rules:\n  dir: \"" + TestPaths.rules() + "\"\n"
                + "policies:\n  dir: \"" + dir.resolve("policies") + "\"\n"
                + "inventory:\n  file: \"" + dir.resolve("inventory.yaml") + "\"\n"
                + "registry:\n  insecure: \"" + fx.registry() + "\"\n"
                + "apply:\n  poll-interval: 200ms\n"
                + "verify:\n  stable-for: 2s\n  timeout: 8s\n"
                + "log:\n  format: text\n  level: WARN\n");
        return file;
    }

    private String running() {
        return fx.docker.inspectContainerCmd(name).exec().getConfig().getImage();
    }

    @Test
    void anApprovedUpdateIsAppliedBeforeTheCommandEndsAndARollbackExitsOne(@TempDir Path dir) throws Exception {
        Path config = config(dir);

        Run first = cli("run", "--once", "--apply", "--config", config.toString());
        assertEquals(0, first.exit(), first.out() + first.err());
        assertEquals(repo + ":1.0.1", running());
        assertTrue(first.out().contains("Updates this cycle queued: 1"), first.out());
        assertTrue(first.out().matches("(?s).*\\n\\d+\\s+docker/once-engine/\\S*" + name
                + "\\S*\\s+1\\.0\\.0\\s+1\\.0\\.1\\s+SUCCEEDED\\n.*"), first.out());

        // a release that exits at once: rolled back to 1.0.1 before the command ends, and the command says so
        fx.image(repo + ":1.0.2", "echo bad release; exit 3", true);
        fx.push(repo + ":1.0.2", true);
        Run bad = cli("run", "--once", "--apply", "--config", config.toString(), "--format", "json");
        assertEquals(1, bad.exit(), bad.out() + bad.err());
        JsonNode summary = new ObjectMapper().readTree(bad.out());
        assertEquals("SUCCEEDED", summary.path("cycle").path("state").asText(), "the cycle itself worked");
        JsonNode updates = summary.path("updates");
        assertEquals(1, updates.size(), updates.toString());
        assertEquals("1.0.2", updates.get(0).path("toTag").asText());
        assertEquals("ROLLED_BACK", updates.get(0).path("state").asText(), updates.toString());
        assertTrue(updates.get(0).path("error").asText().contains("exit code 3"), updates.toString());
        assertEquals(repo + ":1.0.1", running());

        // nothing new: no run queued, exit 0 (the rolled-back version is pinned, not proposed again)
        Run quiet = cli("run", "--once", "--apply", "--config", config.toString());
        assertEquals(0, quiet.exit(), quiet.out() + quiet.err());
        assertTrue(quiet.out().contains("Updates this cycle queued: none"), quiet.out());
        // without --apply the summary has no update section and the JSON no updates field
        Run plain = cli("run", "--once", "--config", config.toString(), "--format", "json");
        assertEquals(0, plain.exit(), plain.err());
        assertTrue(new ObjectMapper().readTree(plain.out()).path("updates").isMissingNode(), plain.out());
        assertEquals(List.of(repo + ":1.0.1"), List.of(running()));
    }
}
