package dev.safeupdater.registry.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Chart versions from an HTTP chart repository: charts packaged and indexed by the real helm binary
 * ({@code SAFE_UPDATER_TEST_HELM}, helm 3.17.3), served by a small HTTP server on 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmIndexClientTest {
    private Path dir;
    private HttpServer server;
    private String base;
    private final AtomicInteger notModified = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        String helm = System.getenv("SAFE_UPDATER_TEST_HELM");
        if (helm == null || helm.isBlank()) {
            throw new IllegalStateException("SAFE_UPDATER_TEST_HELM is not set: run the tests through bin/test"
                    + " (bin/infra/helm.sh provides helm 3.17.3)");
        }
        dir = Files.createTempDirectory("helm-repo");
        Path repo = Files.createDirectories(dir.resolve("repo"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/charts/", ex -> serve(ex, repo.resolve(ex.getRequestURI().getPath()
                .substring("/charts/".length()))));
        server.createContext("/private/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString("ci:s3cret".getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(auth)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=charts");
                send(ex, 401, new byte[0]);
                return;
            }
            serve(ex, repo.resolve(ex.getRequestURI().getPath().substring("/private/".length())));
        });
        server.createContext("/broken/index.yaml", ex -> send(ex, 200, "entries: [unclosed\n".getBytes()));
        server.createContext("/notarepo/index.yaml", ex -> send(ex, 200, "<html>hello</html>\n".getBytes()));
        server.start();

        helm(helm, "create", "demo");
        for (String v : List.of("0.1.0", "0.2.0", "0.3.0-rc.1")) {
            helm(helm, "package", "demo", "--version", v, "--app-version", "1." + v.charAt(2) + ".0", "-d", "repo");
        }
        helm(helm, "create", "other");
        helm(helm, "package", "other", "--version", "9.9.9", "-d", "repo");
        helm(helm, "repo", "index", "repo", "--url", base + "/charts");
    }

    private void helm(String helm, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(helm));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("HELM_CACHE_HOME", dir.resolve(".cache").toString());
        pb.environment().put("HELM_CONFIG_HOME", dir.resolve(".config").toString());
        pb.environment().put("HELM_DATA_HOME", dir.resolve(".data").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("helm " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** Serves a file with an ETag, answering 304 to a matching If-None-Match. */
    private void serve(HttpExchange ex, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            send(ex, 404, "not found".getBytes());
            return;
        }
        byte[] body = Files.readAllBytes(file);
        String etag;
        try {
            etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)) + "\"";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        ex.getResponseHeaders().add("ETag", etag);
        if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
            notModified.incrementAndGet();
            ex.sendResponseHeaders(304, -1);
            ex.close();
            return;
        }
        send(ex, 200, body);
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    @AfterAll
    void stop() throws IOException {
        server.stop(0);
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void versionsOfAChartFromARealIndexAndRevalidationWithEtag() throws Exception {
        HelmIndexClient client = HelmIndexClient.create();
        ChartLocation demo = ChartLocation.parse(base + "/charts/demo");
        List<ChartVersion> versions = client.versions(demo);
        assertEquals(List.of("0.3.0-rc.1", "0.2.0", "0.1.0"), versions.stream().map(ChartVersion::version).toList(),
                "helm writes the newest first");
        ChartVersion v2 = versions.get(1);
        assertEquals("1.2.0", v2.appVersion());
        assertNotNull(v2.created());
        assertTrue(v2.digest().matches("[0-9a-f]{64}"), v2.digest());
        assertEquals(List.of(base + "/charts/demo-0.2.0.tgz"), v2.urls());

        int before = notModified.get();
        assertEquals(versions, client.versions(demo));
        assertEquals(before + 1, notModified.get(), "the second lookup was a 304");
    }

    @Test
    void whatCanGoWrongSaysWhere() {
        HelmIndexClient client = HelmIndexClient.create();
        ChartLookupException missingChart = assertThrows(ChartLookupException.class,
                () -> client.versions(ChartLocation.parse(base + "/charts/nginx")));
        assertTrue(missingChart.getMessage().contains("has no chart named \"nginx\""), missingChart.getMessage());
        ChartLookupException noRepo = assertThrows(ChartLookupException.class,
                () -> client.versions(ChartLocation.parse(base + "/nothing/demo")));
        assertTrue(noRepo.getMessage().contains("not found (HTTP 404)"), noRepo.getMessage());
        ChartLookupException broken = assertThrows(ChartLookupException.class,
                () -> client.versions(ChartLocation.parse(base + "/broken/demo")));
        assertTrue(broken.getMessage().contains("not valid YAML"), broken.getMessage());
        ChartLookupException html = assertThrows(ChartLookupException.class,
                () -> client.versions(ChartLocation.parse(base + "/notarepo/demo")));
        assertTrue(html.getMessage().contains("not a Helm repository index"), html.getMessage());
        HelmIndexClient tiny = new HelmIndexClient(HttpClient.newHttpClient(), Duration.ofSeconds(5), 200,
                url -> Optional.empty());
        ChartLookupException large = assertThrows(ChartLookupException.class,
                () -> tiny.versions(ChartLocation.parse(base + "/charts/demo")));
        assertTrue(large.getMessage().contains("larger than 200 bytes"), large.getMessage());
    }

    @Test
    void basicAuthPerRepository() throws Exception {
        ChartLocation demo = ChartLocation.parse(base + "/private/demo");
        ChartLookupException refused = assertThrows(ChartLookupException.class,
                () -> HelmIndexClient.create().versions(demo));
        assertTrue(refused.getMessage().contains("access refused (HTTP 401)"), refused.getMessage());
        HelmIndexClient.Credentials creds = new HelmIndexClient.Credentials("ci", "s3cret");
        HelmIndexClient client = new HelmIndexClient(HttpClient.newHttpClient(), Duration.ofSeconds(5), 1 << 20,
                url -> url.equals(base + "/private") ? Optional.of(creds) : Optional.empty());
        assertEquals(3, client.versions(demo).size());
        assertFalse(creds.toString().contains("s3cret"));
    }

    @Test
    void chartLocations() {
        assertEquals(new ChartLocation(ChartLocation.Kind.OCI, "127.0.0.1:5000/charts/demo", "demo"),
                ChartLocation.parse("oci://127.0.0.1:5000/charts/demo"));
        assertEquals(new ChartLocation(ChartLocation.Kind.HTTP, "https://charts.example.com/stable", "demo"),
                ChartLocation.parse("https://charts.example.com/stable/demo/"));
        assertThrows(IllegalArgumentException.class, () -> ChartLocation.parse("demo"));
        assertThrows(IllegalArgumentException.class, () -> ChartLocation.parse("https://charts.example.com"));
    }
}
