package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.app.Application;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import dev.safeupdater.testing.Workloads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code POST /api/v1/scan}, the asset list filters and the asset detail over real HTTP, with a Kubernetes source on
 * fabric8's mock API server (CRUD mode; no real API server can run here) and a static file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScanApiTest {
    private Path tmp;
    private MockCluster cluster;
    private TestDatabase db;
    private TestServer server;
    private Http http;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("scan-api");
        cluster = MockCluster.start();
        for (String ns : List.of("shop", "pay")) {
            cluster.put(Workloads.namespace(ns));
            for (int i = 0; i < 4; i++) {
                cluster.put(Workloads.of("Deployment", ns, "svc-" + i).container("app", "nginx:1.25." + i)
                        .label("team", ns).build());
            }
            cluster.put(Workloads.of("CronJob", ns, "report").container("job", "ghcr.io/acme/report:3.1").build());
        }
        cluster.kubeconfig(tmp, "mock");
        Files.writeString(tmp.resolve("assets.yaml"), """
                assets:
                  - kind: Appliance
                    name: edge-proxy
                    image: registry.example.com/edge/proxy
                    tag: 2.4.1
                """);
        Files.writeString(tmp.resolve("inventory.yaml"), """
                sources:
                  - name: prod
                    type: kubernetes
                    kubeconfig: kubeconfig-mock
                    kinds: [Deployment, CronJob]
                  - name: edge
                    type: static
                    file: assets.yaml
                """);
        db = TestDatabase.create(TestDatabase.Kind.H2);
        server = TestServer.start(db, Map.of("inventory.file", tmp.resolve("inventory.yaml").toString()));
        http = server.http();
    }

    @AfterAll
    void stop() {
        server.close();
        db.close();
        cluster.close();
    }

    private JsonNode scan(String query) {
        Http.Response r = http.send(http.request("/api/v1/scan" + query).header("X-Actor", "ops-team")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    @Test
    void aScanThenFilteredPagedAssetsThenOneAssetWithItsVersions() {
        JsonNode run = scan("");
        assertEquals("SUCCEEDED", run.path("status").asText());
        assertEquals(2, run.path("sources").size());
        assertEquals(10, run.path("sources").get(0).path("added").asInt());
        assertEquals("api:ops-team", run.path("actor").asText());

        JsonNode shop = http.get("/api/v1/assets?source=kubernetes&namespace=shop&kind=Deployment&limit=3").json();
        assertEquals(3, shop.path("items").size());
        List<String> names = new ArrayList<>();
        shop.path("items").forEach(a -> names.add(a.path("key").path("name").asText()));
        String cursor = shop.path("nextCursor").asText();
        JsonNode rest = http.get("/api/v1/assets?source=kubernetes&namespace=shop&kind=Deployment&limit=3&cursor="
                + cursor).json();
        rest.path("items").forEach(a -> names.add(a.path("key").path("name").asText()));
        assertEquals(List.of("svc-0", "svc-1", "svc-2", "svc-3"), names);
        assertTrue(rest.path("nextCursor").isNull());

        assertEquals(2, http.get("/api/v1/assets?image=ghcr.io/acme/report").json().path("items").size());
        assertEquals(1, http.get("/api/v1/assets?q=EDGE").json().path("items").size());
        assertEquals(1, http.get("/api/v1/assets?source=static").json().path("items").size());

        long id = shop.path("items").get(0).path("id").asLong();
        JsonNode detail = http.get("/api/v1/assets/" + id).json();
        assertEquals("svc-0", detail.path("key").path("name").asText());
        assertEquals("prod", detail.path("origin").asText());
        assertEquals(1, detail.path("versions").size());
        assertEquals("1.25.0", detail.path("versions").get(0).path("tag").asText());
        assertEquals(run.path("id").asLong(), detail.path("versions").get(0).path("scanId").asLong());
    }

    @Test
    void oneSourceAndTheRecordedScans() {
        JsonNode run = scan("?source=edge");
        assertEquals(1, run.path("sources").size());
        assertEquals("edge", run.path("sources").get(0).path("name").asText());
        Http.Response body = http.postJson("/api/v1/scan", "{\"source\":\"edge\"}");
        assertEquals(201, body.status(), body.body());
        long id = body.json().path("id").asLong();
        JsonNode one = http.get("/api/v1/scan/" + id).json();
        assertEquals(List.of("edge"), List.of(one.path("requestedSources").get(0).asText()));
        JsonNode list = http.get("/api/v1/scan?limit=1").json();
        assertEquals(id, list.path("items").get(0).path("id").asLong());
        assertNotNull(list.path("nextCursor").asText(null));
    }

    @Test
    void badInputIsAProblemDocument() {
        Http.Response unknown = http.send(http.request("/api/v1/scan?source=nope")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertEquals(400, unknown.status());
        assertEquals("application/problem+json", unknown.contentType());
        assertEquals("source", unknown.json().path("errors").get(0).path("field").asText());
        assertTrue(unknown.json().path("detail").asText().contains("configured: prod, edge"));

        assertEquals(400, http.get("/api/v1/assets?gone=maybe").status());
        assertEquals(400, http.get("/api/v1/assets?cursor=garbage").status());
        assertEquals(404, http.get("/api/v1/assets/999999").status());
        assertEquals(404, http.get("/api/v1/scan/999999").status());
        assertEquals(400, http.postJson("/api/v1/scan", "{\"sauce\":\"edge\"}").status());
    }

    @Test
    void theServerScansOnItsOwnWhenAnIntervalIsSet() throws Exception {
        TestDatabase other = TestDatabase.create(TestDatabase.Kind.H2);
        try (TestServer scheduled = TestServer.start(other, Map.of(
                "inventory.file", tmp.resolve("inventory.yaml").toString(), "inventory.scan-interval", "1h"))) {
            long deadline = System.nanoTime() + 15_000_000_000L;
            JsonNode runs;
            do {
                Thread.sleep(100);
                runs = scheduled.http().get("/api/v1/scan").json().path("items");
            } while ((runs.isEmpty() || runs.get(0).path("finishedAt").isNull()) && System.nanoTime() < deadline);
            assertEquals("scheduler", runs.get(0).path("actor").asText());
            assertEquals("SUCCEEDED", runs.get(0).path("status").asText());
            assertEquals(11, scheduled.http().get("/api/v1/assets?gone=false").json().path("items").size());
        } finally {
            other.close();
        }
        Application.StartupException tooShort = org.junit.jupiter.api.Assertions.assertThrows(
                Application.StartupException.class, () -> TestServer.start(db, Map.of("inventory.scan-interval", "1s")));
        assertTrue(tooShort.getMessage().contains("at least 10s"), tooShort.getMessage());
    }

    @Test
    void scanMetricsAreExposed() {
        scan("?source=prod");
        String metrics = http.get("/observe/metrics").body();
        assertTrue(metrics.contains("safe_updater_scans_total{"), metrics);
        assertTrue(metrics.matches("(?s).*safe_updater_scans_total\\{[^}]*source=\"prod\"[^}]*status=\"SUCCEEDED\".*"),
                "scans by source and status");
        assertTrue(metrics.matches("(?s).*safe_updater_scan_duration_seconds_count\\{[^}]*source=\"prod\".*"),
                "scan duration by source");
        assertTrue(metrics.matches("(?s).*safe_updater_assets_tracked\\{kind=\"Deployment\",[^}]*"
                + "source=\"kubernetes\",?} 8\\.0.*"), "tracked assets by source and kind");
        assertFalse(metrics.contains("not-a-real-token"));
    }
}
