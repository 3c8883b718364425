package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.execution.ApplyStage;
import dev.safeupdater.registry.CycleRegistry;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/cycles} and {@code /api/v1/plan} over real HTTP: the real registry in htpasswd mode (credentials from
 * the Docker config file), a static inventory, the shipped rules and policies.
 */
class CyclesApiTest {
    @Nested
    class OnH2 extends Contract {
        OnH2() {
            super(TestDatabase.Kind.H2);
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(TestDatabase.Kind.POSTGRES);
        }
    }

    abstract static class Contract extends DatabaseContract {
        CycleRegistry registry;
        Path tmp;
        TestServer server;
        Http http;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void start() throws Exception {
            tmp = Files.createTempDirectory("cycles-api");
            registry = CycleRegistry.start();
            String auth = Base64.getEncoder().encodeToString((registry.user() + ":" + registry.password())
                    .getBytes(StandardCharsets.UTF_8));
            Files.writeString(tmp.resolve("config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\""
                    + auth + "\"}}}");
            Files.writeString(tmp.resolve("assets.yaml"), "assets:\n"
                    + "  - {kind: VM, name: web-a, namespace: shop, image: " + registry.host() + "/demo/web:1.0.0}\n"
                    + "  - {kind: VM, name: web-b, namespace: edge, image: " + registry.host() + "/demo/web:2.0.0}\n");
            Files.writeString(tmp.resolve("inventory.yaml"), "sources:\n"
                    + "  - {name: hosts, type: static, file: assets.yaml}\n");
            server = TestServer.start(db, Map.of("inventory.file", tmp.resolve("inventory.yaml").toString(),
                    "registry.insecure", registry.host(),
                    "registry.docker-config", tmp.resolve("config.json").toString(),
                    "registry.retries", "0"));
            http = server.http();
        }

        @AfterAll
        void stop() {
            server.close();
            registry.close();
        }

        HttpResponse<String> post(String path) throws Exception {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + server.port() + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        JsonNode waitDone(String location) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (true) {
                JsonNode c = http.get(location).json();
                if (!c.path("state").asText().equals("RUNNING") || System.nanoTime() > deadline) {
                    return c;
                }
                Thread.sleep(100);
            }
        }

        @Test
        void aCycleStartedOverHttpRunsInTheBackgroundAndFillsThePlan() throws Exception {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            server.application().services().cycles().applyTo(current -> {
                inside.countDown();
                try {
                    release.await(180, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 0;
            });
            String location;
            try {
                HttpResponse<String> started = post("/api/v1/cycles");
                assertEquals(202, started.statusCode(), started.body());
                location = started.headers().firstValue("Location").orElseThrow();
                assertTrue(location.matches("/api/v1/cycles/\\d+"), location);
                assertTrue(started.body().contains("\"state\":\"RUNNING\""), started.body());
                assertTrue(inside.await(180, TimeUnit.SECONDS));

                HttpResponse<String> again = post("/api/v1/cycles");
                assertEquals(409, again.statusCode(), again.body());
                assertEquals("application/problem+json", again.headers().firstValue("Content-Type").orElse(""));
                assertTrue(again.body().contains("cycles never overlap"), again.body());
            } finally {
                release.countDown();
                server.application().services().cycles().applyTo(ApplyStage.NONE);
            }
            JsonNode done = waitDone(location);
            assertEquals("SUCCEEDED", done.path("state").asText(), done.toString());
            assertEquals(5, done.path("stages").size(), done.toString());
            assertEquals(2, done.path("counts").path("assetsScanned").asLong());
            assertEquals(1, done.path("counts").path("imagesLookedUp").asLong());
            assertTrue(done.path("counts").path("registryRequests").asLong() > 0);
            assertEquals(3, done.path("counts").path("decisionsWritten").asLong()); // web-a: patch, minor, major
            assertTrue(done.path("actor").asText().length() > 0);

            JsonNode list = http.get("/api/v1/cycles?limit=10").json();
            assertEquals(location, "/api/v1/cycles/" + list.path("items").get(0).path("id").asLong());

            JsonNode plan = http.get("/api/v1/plan").json();
            assertEquals(2, plan.path("total").asLong(), plan.toString());
            assertEquals(1, plan.path("byOutcome").path("APPROVE").asLong(), plan.toString());
            assertEquals(1, plan.path("byOutcome").path("NONE").asLong(), plan.toString());
            JsonNode a = plan.path("items").get(0);
            assertEquals("web-a", a.path("asset").path("name").asText());
            assertEquals("1.0.0", a.path("currentTag").asText());
            assertEquals("1.0.1", a.path("proposedTag").asText());
            assertEquals("PATCH", a.path("changeType").asText());
            assertEquals("APPROVE", a.path("outcome").asText());
            assertEquals("change-within-allow", a.path("decidedBy").asText());
            assertFalse(a.path("evaluatedAt").isNull());
            JsonNode b = plan.path("items").get(1);
            assertTrue(b.path("reason").asText().startsWith("up to date"), b.toString());

            JsonNode shop = http.get("/api/v1/plan?namespace=shop&outcome=approve").json();
            assertEquals(1, shop.path("total").asLong());
            JsonNode held = http.get("/api/v1/plan?outcome=HOLD").json();
            assertEquals(0, held.path("items").size());
            JsonNode page = http.get("/api/v1/plan?limit=1").json();
            assertEquals(1, page.path("items").size());
            JsonNode next = http.get("/api/v1/plan?limit=1&cursor=" + page.path("nextCursor").asText()).json();
            assertEquals("web-b", next.path("items").get(0).path("asset").path("name").asText());

            String metrics = http.get("/observe/metrics").body();
            assertTrue(metrics.matches("(?s).*safe_updater_cycles_total\\{[^}]*status=\"SUCCEEDED\"[^}]*} [1-9].*"),
                    metrics);
            for (String status : new String[] {"FAILED", "PARTIAL", "INTERRUPTED", "SKIPPED"}) {
                assertTrue(metrics.matches("(?s).*safe_updater_cycles_total\\{[^}]*status=\"" + status
                        + "\"[^}]*} .*"), status + " is present from the start: " + metrics);
            }
            List<String> discoverBuckets = metrics.lines()
                    .filter(l -> l.startsWith("safe_updater_cycle_duration_seconds_bucket{")
                            && l.contains("stage=\"discover\""))
                    .toList();
            // fourteen fixed buckets and +Inf (not a percentile histogram's ~70 per stage); the cycle counted in +Inf
            assertEquals(15, discoverBuckets.size(), metrics);
            assertTrue(discoverBuckets.stream().anyMatch(l -> l.contains("le=\"10.0\"")), discoverBuckets.toString());
            assertTrue(discoverBuckets.stream().anyMatch(l -> l.matches(".*le=\"\\+Inf\".*} [1-9].*")),
                    discoverBuckets.toString());
            assertTrue(metrics.matches("(?s).*safe_updater_pending_updates\\{[^}]*outcome=\"APPROVE\"[^}]*} 1\\.0.*"),
                    metrics);
            assertTrue(metrics.matches("(?s).*safe_updater_cycle_registry_lookups[^\n]* 1\\.0.*"), metrics);

            // a bad edit of the inventory file: the cycle scans the last good sources, decides what they hold, and
            // says that the file was refused (PARTIAL, as run --once's exit code 1), instead of SUCCEEDED
            Path inventory = tmp.resolve("inventory.yaml");
            String good = Files.readString(inventory);
            Files.writeString(inventory, "sources:\n  - {name: hosts, type: statik, file: assets.yaml}\n");
            JsonNode refused;
            try {
                HttpResponse<String> again = post("/api/v1/cycles");
                assertEquals(202, again.statusCode(), again.body());
                refused = waitDone(again.headers().firstValue("Location").orElseThrow());
            } finally {
                Files.writeString(inventory, good);
            }
            assertEquals("PARTIAL", refused.path("state").asText(), refused.toString());
            assertEquals("PARTIAL", refused.path("stages").get(0).path("status").asText(), refused.toString());
            assertEquals("sources scanned with warnings: 1 of 1 (see errors)",
                    refused.path("stages").get(0).path("error").asText());
            assertEquals(1, refused.path("counts").path("sourcesPartial").asLong(), refused.toString());
            assertEquals(2, refused.path("counts").path("assetsScanned").asLong(), refused.toString());
            assertEquals(3, refused.path("counts").path("decisionsUnchanged").asLong(), refused.toString());
            String error = refused.path("errors").get(0).asText();
            assertTrue(error.startsWith("source hosts: the inventory file was refused, so its last good version is"
                    + " scanned"), error);
            assertTrue(error.contains("sources[0].type: must be kubernetes, docker, helm or static"), error);
        }

        @Test
        void badQueriesAreProblemsNamingTheParameter() {
            Http.Response r = http.get("/api/v1/plan?outcome=MAYBE");
            assertEquals(400, r.status(), r.body());
            assertEquals("application/problem+json", r.contentType());
            assertTrue(r.body().contains("outcome"), r.body());
            assertEquals(400, http.get("/api/v1/plan?cursor=nonsense").status());
            assertEquals(400, http.get("/api/v1/cycles?cursor=nonsense").status());
            Http.Response missing = http.get("/api/v1/cycles/999999");
            assertEquals(404, missing.status(), missing.body());
            assertEquals(400, http.get("/api/v1/cycles/abc").status());
        }
    }
}
