package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.TestPaths;
import dev.safeupdater.testing.Tokens;
import dev.safeupdater.testing.Workloads;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code serve} as its own process, given known secrets — registry password (Docker config), pull-secret contents
 * (a Kubernetes Secret read during a scan), API tokens (and a wrong one presented), the database password — and
 * exercised over HTTP: none of them appears in any log line (JSON and text format), API response, error, or metric.
 * In the JSON run every log line is one JSON object with the documented fields.
 *
 * <p>To cover a new feature, add its calls to {@link #exercise}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretHygieneTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    static final String REGISTRY_PASSWORD = "reg-S3cret-pass-4711";
    static final String PULL_PASSWORD = "pull-S3cret-pass-0815";
    static final String DB_PASSWORD = "db-S3cret-pass-1234";
    static final String WRONG_TOKEN = "wrong-S3cret-token-9999";

    private final Tokens tokens = new Tokens();
    private MockCluster cluster;
    private Path work;

    /** Every string that must never be shown, with its common encodings. */
    private List<String> secrets() {
        List<String> s = new ArrayList<>(List.of(REGISTRY_PASSWORD, PULL_PASSWORD, DB_PASSWORD, WRONG_TOKEN,
                b64("robot:" + REGISTRY_PASSWORD), b64("puller:" + PULL_PASSWORD)));
        for (String name : Tokens.DEFAULT_ROLES.keySet()) {
            s.add(Tokens.token(name));
        }
        return s;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @BeforeAll
    void setUp() throws Exception {
        work = Files.createTempDirectory("su-hygiene");
        cluster = MockCluster.start();
        cluster.put(Workloads.namespace("shop"));
        String pull = "{\"auths\":{\"127.0.0.1:9\":{\"auth\":\"" + b64("puller:" + PULL_PASSWORD) + "\"},"
                + "\"ghcr.io\":{\"username\":\"ci\",\"password\":\"" + PULL_PASSWORD + "\"}}}";
        cluster.put(new SecretBuilder().withNewMetadata().withNamespace("shop").withName("regcred").endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(".dockerconfigjson", b64(pull)).build());
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "127.0.0.1:9/shop/web:1.0.0")
                .pullSecret("regcred").build());
        cluster.kubeconfig(work, "mock");
        Files.writeString(work.resolve("inventory.yaml"), """
                sources:
                  - name: prod
                    type: kubernetes
                    kubeconfig: kubeconfig-mock
                    kinds: [Deployment]
                    pullSecrets: true
                """);
        Files.createDirectories(work.resolve("docker"));
        Files.writeString(work.resolve("docker/config.json"), "{\"auths\":{\"127.0.0.1:9\":{\"auth\":\""
                + b64("robot:" + REGISTRY_PASSWORD) + "\"}}}");
        tokens.write(work.resolve("tokens.yaml"));
    }

    @AfterAll
    void tearDown() {
        cluster.close();
    }

    /** What the server is asked to do; every answer is kept for the check. Add new features' calls here. */
    private void exercise(Http http, List<String> seen) {
        String admin = tokens.tokenOf("admin");
        seen.add(call(http, "POST", "/api/v1/scan", null, admin));
        seen.add(call(http, "GET", "/api/v1/scan", null, admin));
        seen.add(call(http, "GET", "/api/v1/assets", null, admin));
        JsonNode assets = parse(seen.getLast());
        long asset = assets.get("items").get(0).get("id").asLong();
        seen.add(call(http, "GET", "/api/v1/assets/" + asset, null, admin));
        seen.add(call(http, "GET", "/api/v1/tags?image=127.0.0.1:9/shop/web", null, admin));
        seen.add(call(http, "POST", "/api/v1/versions/candidates",
                "{\"current\": \"1.0.0\", \"image\": \"127.0.0.1:9/shop/web\"}", admin));
        seen.add(call(http, "POST", "/api/v1/assets/" + asset + "/decide", "{\"candidateTag\": \"1.0.1\"}", admin));
        // a whole cycle: scan with the pull secret, discovery with the registry credentials, propose, decide, plan
        seen.add(call(http, "POST", "/api/v1/cycles", null, admin));
        String cycle = "/api/v1/cycles/" + parse(seen.getLast()).get("id").asLong();
        for (int i = 0; i < 600 && parse(call(http, "GET", cycle, null, admin)).get("state").asText().equals("RUNNING"); i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        seen.add(call(http, "GET", cycle, null, admin));
        seen.add(call(http, "GET", "/api/v1/plan", null, admin));
        seen.add(call(http, "POST", "/api/v1/assets/" + asset + "/approvals", "{\"candidateTag\": \"1.0.1\"}",
                tokens.tokenOf("approver")));
        seen.add(call(http, "GET", "/api/v1/decisions", null, admin));
        seen.add(call(http, "GET", "/api/v1/rules", null, admin));
        seen.add(call(http, "POST", "/api/v1/rules/reload", null, admin));
        seen.add(call(http, "GET", "/api/v1/notifications", null, admin));
        seen.add(call(http, "GET", "/api/v1/assets", null, WRONG_TOKEN));
        seen.add(call(http, "POST", "/api/v1/rules/reload", null, WRONG_TOKEN));
        seen.add(call(http, "POST", "/api/v1/rules/reload", null, tokens.tokenOf("viewer")));
        seen.add(call(http, "POST", "/api/v1/evaluate", "{\"image\": \"" + DB_PASSWORD + "\"", admin));
        seen.add(http.get("/observe/health").body());
        seen.add(http.get("/observe/metrics").body());
    }

    private static String call(Http http, String method, String path, String body, String token) {
        var b = http.request(path).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        Http.Response r = http.send(b);
        assertTrue(r.status() < 500 || r.status() == 502, method + " " + path + " -> " + r.status() + " " + r.body());
        return method + " " + path + " -> " + r.status() + " " + r.body();
    }

    private static JsonNode parse(String answer) {
        try {
            return new ObjectMapper().readTree(answer.substring(answer.indexOf(' ', answer.indexOf("->") + 3) + 1));
        } catch (Exception e) {
            throw new AssertionError(answer, e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "text"})
    void noSecretInLogsResponsesErrorsOrMetrics(String format) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--port", "0", "--rules", TestPaths.rules().toString(),
                "--policies", TestPaths.policies().toString(), "--log-format", format, "--log-level", "DEBUG",
                "--db-url", "jdbc:h2:mem:hygiene;DB_CLOSE_DELAY=-1", "--db-user", "sa");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("SAFE_UPDATER_DB_PASSWORD", DB_PASSWORD);
        env.put("SAFE_UPDATER_AUTH_TOKENS_FILE", work.resolve("tokens.yaml").toString());
        env.put("SAFE_UPDATER_INVENTORY_FILE", work.resolve("inventory.yaml").toString());
        env.put("SAFE_UPDATER_REGISTRY_DOCKER_CONFIG", work.resolve("docker/config.json").toString());
        env.put("SAFE_UPDATER_REGISTRY_RETRIES", "0");
        env.put("SAFE_UPDATER_REGISTRY_TIMEOUT_SECONDS", "3");
        Process p = pb.start();
        List<String> log = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                log.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, String.join("\n", log));
            CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> {
                try {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        synchronized (log) {
                            log.add(line);
                        }
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            exercise(new Http(port), seen);
            p.toHandle().destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            rest.get(30, TimeUnit.SECONDS);
        } finally {
            p.destroyForcibly();
        }
        List<String> leaks = new ArrayList<>();
        for (String secret : secrets()) {
            log.stream().filter(l -> l.contains(secret)).forEach(l -> leaks.add("log: " + l));
            seen.stream().filter(r -> r.contains(secret)).forEach(r -> leaks.add("answer: " + r));
        }
        assertEquals(List.of(), leaks);
        // the scan did read the pull secret and the registry was tried with credentials: the secrets were in play
        String all = String.join("\n", log) + String.join("\n", seen);
        assertTrue(all.contains("regcred"), "the pull secret was read");
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("GET /api/v1/tags") && s.contains("127.0.0.1:9")), seen.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("server stopped")), "stop logged");
        if (format.equals("json")) {
            checkJsonLines(log);
        }
    }

    /** Every line but the port announcement is one JSON object with the documented fields. */
    private static void checkJsonLines(List<String> log) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Set<String> events = new TreeSet<>();
        int parsed = 0;
        for (String line : log) {
            if (line.startsWith("Safe Updater listening on ")) {
                continue; // the one line serve prints for humans and scripts (stdout, not the log)
            }
            JsonNode j;
            try {
                j = mapper.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("not a JSON log line: " + line, e);
            }
            assertTrue(j.isObject(), line);
            for (String field : List.of("timestamp", "level", "logger_name", "message")) {
                assertTrue(j.hasNonNull(field), "no " + field + ": " + line);
            }
            java.time.OffsetDateTime.parse(j.get("timestamp").asText());
            assertTrue(Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(j.get("level").asText()), line);
            if (j.has("event")) {
                events.add(j.get("event").asText());
            }
            if ("decision".equals(j.path("event").asText())) {
                for (String field : List.of("asset_id", "asset_type", "current_version", "new_version", "change_type",
                        "decision")) {
                    assertTrue(j.has(field), "decision line without " + field + ": " + line);
                }
            }
            parsed++;
        }
        assertTrue(parsed > 10, "log lines: " + parsed);
        // the registry is unreachable on purpose (its credentials are the secret in play), so no listing is recorded and
        // nothing can be decided: the cycle's lines stand for the pipeline here
        for (String e : List.of("database_ready", "auth_tokens_loaded", "server_started", "cycle_started",
                "cycle_finished", "server_stopped")) {
            assertTrue(events.contains(e), "no " + e + " event among " + events);
        }
    }
}
