package dev.safeupdater.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's container image, built from the repository's Dockerfile by the real Docker engine bin/test starts
 * ({@code SAFE_UPDATER_TEST_DOCKER_HOST}, Debian's dockerd 20.10, classic builder) and started the way a cluster
 * runs it: read-only root filesystem, a tmpfs on /tmp, uid 10001. Docker Hub is out of reach here, so the base image
 * comes from bin/jdk-base-image (this machine's JDK 25 on busybox), passed as BUILD_IMAGE and RUNTIME_IMAGE, and the
 * jar is the one {@code mvn package} just built (JAR_FROM=context): this test runs after packaging (failsafe).
 * The container uses host networking and listens on a free 127.0.0.1 port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageIT {
    static final String LABEL = "dev.safeupdater.test-run";
    private static final ObjectMapper JSON = new ObjectMapper();

    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String image = "safe-updater-it:" + run;
    final Path root = TestPaths.repoRoot();
    Map<String, String> env;
    String base;
    double buildSeconds;

    @BeforeAll
    void build() {
        String host = System.getenv("SAFE_UPDATER_TEST_DOCKER_HOST");
        if (host == null || host.isBlank()) {
            throw new IllegalStateException("SAFE_UPDATER_TEST_DOCKER_HOST is not set: this test needs the Docker engine"
                    + " bin/test starts (bin/infra/docker.sh); run it through bin/test");
        }
        assertTrue(Files.isRegularFile(root.resolve("server/target/safe-updater.jar"))
                && Files.isDirectory(root.resolve("server/target/libs")), "mvn package ran before this test");
        // the CLI's classic builder (the engine's API is 1.41: no BuildKit session from newer clients)
        env = Map.of("DOCKER_HOST", host, "DOCKER_BUILDKIT", "0");
        long t0 = System.nanoTime();
        base = Tool.exec(List.of(root.resolve("bin/jdk-base-image").toString()), root, env, 600)
                .ok(List.of("bin/jdk-base-image")).out().strip();
        long t1 = System.nanoTime();
        docker(600, "build", "--network", "host", "--build-arg", "BUILD_IMAGE=" + base, "--build-arg",
                "RUNTIME_IMAGE=" + base, "--build-arg", "JAR_FROM=context", "--label", LABEL + "=" + run,
                "-t", image, ".");
        long t2 = System.nanoTime();
        buildSeconds = (t2 - t1) / 1e9;
        System.out.printf("base image %s ready in %.1f s; product image built in %.1f s%n", base, (t1 - t0) / 1e9,
                buildSeconds);
    }

    @AfterAll
    void clean() {
        if (env == null) {
            return;
        }
        String ids = docker(60, "ps", "-aq", "--filter", "label=" + LABEL + "=" + run).out().strip();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f", "-v"));
            args.addAll(List.of(ids.split("\\s+")));
            docker(60, args.toArray(String[]::new));
        }
        Tool.exec(List.of("docker", "rmi", "-f", image), root, env, 60);
    }

    Tool.Result docker(long timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        return Tool.exec(cmd, root, env, timeout).ok(cmd);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void readOnlyNonRootContainerServesTheShippedSetAndMountedRules(@TempDir Path tmp) throws Exception {
        // rules mounted over the shipped ones: the shipped rule file plus one more rule
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.copy(TestPaths.rules().resolve("default.drl"), rules.resolve("default.drl"));
        Files.writeString(rules.resolve("mounted.drl"), """
                package safeupdater.rules;

                import dev.safeupdater.model.Candidate;

                global dev.safeupdater.policy.Verdict verdict;

                rule "mounted-rule-marker"
                    @owner("image-test")
                    @description("Proves that rules mounted over /app/rules are the active set.")
                when
                    $c : Candidate( image == "example/never-used" )
                then
                    verdict.hold($c, "mounted rule");
                end
                """);
        // the container's user (10001) reads the mounted directory
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var files = Files.list(rules)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        int port = freePort();
        String name = "su-it-" + run;
        docker(60, "run", "-d", "--name", name, "--label", LABEL + "=" + run, "--network", "host", "--read-only",
                "--tmpfs", "/tmp", "-e", "SAFE_UPDATER_HOST=127.0.0.1", "-e", "SAFE_UPDATER_PORT=" + port,
                "-v", rules + ":/app/rules:ro", image);
        Http http = new Http(port);
        Http.Response ready = null;
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                ready = http.get("/observe/health/ready");
                if (ready.status() == 200) {
                    break;
                }
            } catch (RuntimeException | AssertionError e) {
                // not listening yet (Http reports a refused connection as an AssertionError)
            }
            String state = docker(30, "inspect", "-f", "{{.State.Status}}", name).out().strip();
            assertEquals("running", state, "the container stopped: " + docker(30, "logs", name).err());
            Thread.sleep(250);
        }
        assertTrue(ready != null && ready.status() == 200, "ready: " + (ready == null ? "no answer" : ready.body()));
        assertEquals("UP", ready.json().path("status").asText());
        assertEquals(200, http.get("/observe/health/live").status());

        // the process (PID 1, java) runs as uid 10001, the root filesystem is read-only, /app/data is writable
        String status = docker(30, "exec", name, "cat", "/proc/1/status").out();
        assertTrue(status.contains("Name:\tjava"), status);
        assertTrue(status.lines().anyMatch(l -> l.matches("Uid:\\s+10001\\s+10001\\s+10001\\s+10001")), status);
        assertEquals("true", docker(30, "inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", name).out().strip());
        Tool.Result write = Tool.exec(List.of("docker", "exec", name, "touch", "/app/x"), root, env, 30);
        assertNotEquals(0, write.exit(), "the root filesystem refuses writes");
        assertTrue(write.err().contains("Read-only file system"), write.err());
        String data = docker(30, "exec", name, "ls", "/app/data").out();
        assertTrue(data.contains("safe-updater.mv.db"), "the embedded database is on the /app/data volume: " + data);

        // the mounted rules are the active set; the shipped policies are used as they are
        JsonNode active = http.get("/api/v1/rules").json();
        assertTrue(active.toString().contains("mounted-rule-marker"), active.toString());
        assertTrue(active.toString().contains("production.yaml"), active.toString());

        // every line on standard output is JSON (the JVM options add nothing to the log stream)
        String logs = docker(30, "logs", name).out();
        assertTrue(!logs.isBlank());
        for (String line : logs.split("\n")) {
            if (!line.isBlank() && !line.startsWith("Safe Updater listening on")) {
                JSON.readTree(line);
            }
        }
        // SIGTERM stops the JVM (PID 1, exec form) promptly
        long t = System.nanoTime();
        docker(60, "stop", "-t", "20", name);
        double stopSeconds = (System.nanoTime() - t) / 1e9;
        assertTrue(stopSeconds < 15, "stopped by SIGTERM, not killed after the timeout: " + stopSeconds + " s");
    }

    @Test
    void migrationsInsideTheImageRunOnPostgresWithTheTrainedAotCache() throws Exception {
        String schema = "su_image_" + run;
        try (Connection c = DriverManager.getConnection(TestDatabase.pgUrl(), TestDatabase.pgUser(), "");
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        try {
            String url = TestDatabase.pgUrl() + "?currentSchema=" + schema;
            // AOTMode=on: the JVM refuses to start unless the cache trained at build time fits this JVM and class path
            docker(120, "run", "--rm", "--label", LABEL + "=" + run, "--network", "host", "--read-only", "--tmpfs",
                    "/tmp", "-e", "SAFE_UPDATER_DB_URL=" + url, "-e", "SAFE_UPDATER_DB_USER=" + TestDatabase.pgUser(),
                    "--entrypoint", "java", image, "@/app/jvm.options", "-XX:AOTCache=/app/safe-updater.aot",
                    "-XX:AOTMode=on", "-jar", "/app/safe-updater.jar", "migrate");
            List<String> applied = new ArrayList<>();
            try (Connection c = DriverManager.getConnection(url, TestDatabase.pgUser(), "");
                 Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT script FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
                while (r.next()) {
                    applied.add(r.getString(1));
                }
            }
            // every file in migrations/ and its folders, in version order; PostgreSQL runs all but the H2-only ones
            List<Path> shipped;
            Path h2Only = root.resolve("migrations").resolve("h2");
            try (var files = Files.walk(root.resolve("migrations"), 2)) {
                shipped = files.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted(
                        Comparator.comparingInt(p -> version(p.getFileName().toString()))).toList();
            }
            List<String> forPostgres = shipped.stream().filter(p -> !p.startsWith(h2Only))
                    .map(p -> p.getFileName().toString()).toList();
            assertEquals(forPostgres, applied, "every migration of the repository that PostgreSQL runs, applied from"
                    + " inside the image");
            // the same SQL, H2's too, sits readable in the image for DBAs
            String listed = docker(60, "run", "--rm", "--label", LABEL + "=" + run, "--entrypoint", "ls", image, "-R",
                    "/app/migrations").out();
            for (String m : shipped.stream().map(p -> p.getFileName().toString()).toList()) {
                assertTrue(listed.contains(m), listed);
            }
            // the cache holds classes, not method profiles: JDK 25.0.3's C1 compiler crashed the JVM on every run
            // with a cache holding a cycle's profiles (docs/cycle.md#cost), so the build does not record them
            Tool.Result info = docker(120, "run", "--rm", "--label", LABEL + "=" + run, "--entrypoint", "java", image,
                    "@/app/jvm.options", "-XX:AOTCache=/app/safe-updater.aot", "-XX:AOTMode=on",
                    "-XX:+UnlockDiagnosticVMOptions", "-XX:+AOTPrintTrainingInfo", "-jar", "/app/safe-updater.jar",
                    "--version");
            String printed = info.out() + info.err();
            assertTrue(printed.contains("Archived TrainingData Dictionary"), printed);
            assertTrue(printed.lines().noneMatch(l -> l.matches("\\s*\\d+: 0x\\p{XDigit}+ .*")),
                    "no method profiles in the image's AOT cache:\n" + printed.lines().limit(20).toList());
        } finally {
            try (Connection c = DriverManager.getConnection(TestDatabase.pgUrl(), TestDatabase.pgUser(), "");
                 Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static int version(String file) {
        return Integer.parseInt(file.substring(1, file.indexOf("__")));
    }
}
