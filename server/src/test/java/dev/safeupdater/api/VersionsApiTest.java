package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.registry.RegistryFixtures;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** POST /api/v1/versions/candidates and GET /api/v1/tags over HTTP, on the real server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VersionsApiTest {
    private TestDatabase db;
    private TestServer server;
    private RegistryFixtures registry;
    private Http http;

    @BeforeAll
    void start() {
        registry = RegistryFixtures.start();
        db = TestDatabase.h2();
        server = TestServer.start(db, Map.of("registry.insecure", registry.host(), "registry.rate", "1000",
                "registry.burst", "1000"));
        http = server.http();
    }

    @AfterAll
    void stop() {
        server.close();
        db.close();
        registry.close();
    }

    @Test
    void candidatesAnswerWithParsedCurrentCandidatesAndIgnoredReasons() {
        Http.Response r = http.postJson("/api/v1/versions/candidates", """
                {"current": "1.25.3-alpine",
                 "available": ["1.25.4-alpine", "1.26.0", "1.26.0-alpine", "1.27.0-alpine3.19", "2.0.0-rc.1-alpine",
                               "latest", "1.25.3-alpine"],
                 "allowPrerelease": false}""");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("VERSION", j.at("/current/kind").asText());
        assertEquals("[1,25,3]", j.at("/current/numbers").toString());
        assertEquals(3, j.at("/current/precision").asInt());
        assertEquals("alpine", j.at("/current/variant").asText());
        assertEquals("1.25.4-alpine", j.at("/candidates/patch").asText());
        assertEquals("1.26.0-alpine", j.at("/candidates/minor").asText());
        assertTrue(j.at("/candidates/major").isNull());
        Map<String, String> reasons = new java.util.HashMap<>();
        j.get("ignored").forEach(i -> reasons.put(i.get("tag").asText(), i.get("code").asText() + ": "
                + i.get("reason").asText()));
        assertEquals("VARIANT_DIFFERS: variant differs: none (current: alpine)", reasons.get("1.26.0"));
        assertEquals("VARIANT_DIFFERS: variant differs: alpine3.19 (current: alpine)", reasons.get("1.27.0-alpine3.19"));
        assertTrue(reasons.get("2.0.0-rc.1-alpine").startsWith("PRERELEASE"));
        assertTrue(reasons.get("latest").startsWith("NOT_A_VERSION"));
        assertTrue(reasons.get("1.25.3-alpine").startsWith("CURRENT"));
        assertTrue(j.get("image") == null, "no image block for explicit tag lists");

        Http.Response pre = http.postJson("/api/v1/versions/candidates",
                "{\"current\":\"1.25.3-alpine\",\"available\":[\"2.0.0-rc.1-alpine\"],\"allowPrerelease\":true}");
        assertEquals("2.0.0-rc.1-alpine", pre.json().at("/candidates/major").asText());
    }

    @Test
    void candidatesCanComeFromAnImagesRegistryTags() {
        Http.Response r = http.postJson("/api/v1/versions/candidates",
                "{\"current\":\"1.25.3\",\"image\":\"" + registry.host() + "/shop/web\"}");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("1.25.4", j.at("/candidates/patch").asText());
        assertEquals("1.26.0", j.at("/candidates/minor").asText());
        assertEquals(registry.host() + "/shop/web", j.at("/image/image").asText());
        assertEquals(6, j.at("/image/tagCount").asInt());
        assertEquals(false, j.at("/image/stale").asBoolean());
        Http.Response down = http.postJson("/api/v1/versions/candidates",
                "{\"current\":\"1.0\",\"image\":\"" + registry.host() + "/no/such\"}");
        assertEquals(200, down.status());
        assertTrue(down.json().at("/image/error").asText().contains("NAME_UNKNOWN"));
        assertTrue(down.json().at("/candidates/patch").isNull());
        assertEquals(400, http.postJson("/api/v1/versions/candidates",
                "{\"current\":\"1.0\",\"image\":\"nginx\",\"available\":[\"1.1\"]}").status());
        // the registry traffic shows in the metrics
        String metrics = http.get("/observe/metrics").body();
        assertTrue(metrics.contains("safe_updater_registry_requests_total"), metrics);
        assertTrue(metrics.contains("safe_updater_registry_tag_cache_total"), metrics);
    }

    @Test
    void badInputIsAProblemNamingEachField() {
        Http.Response r = http.postJson("/api/v1/versions/candidates",
                "{\"current\":\"-bad\",\"available\":[\"1.0\",\"no spaces\",\"\"]}");
        assertEquals(400, r.status());
        assertTrue(r.contentType().startsWith("application/problem+json"));
        String errors = r.json().get("errors").toString();
        assertTrue(errors.contains("\"current\""), errors);
        assertTrue(errors.contains("available[1]"), errors);
        assertTrue(errors.contains("available[2]"), errors);
        assertEquals(400, http.postJson("/api/v1/versions/candidates", "{\"current\":\"1.0\"}").status());
        assertEquals(400, http.postJson("/api/v1/versions/candidates",
                "{\"current\":\"1.0\",\"available\":[],\"colour\":\"red\"}").status());
        assertEquals(400, http.postJson("/api/v1/versions/candidates", "{\"current\":\"1.0\",\"available\":\"1.1\"}")
                .status());
    }

    @Test
    void tagsComeFromTheRegistryWithDigestsAndReleaseTimes() {
        Http.Response r = http.get("/api/v1/tags?image=" + registry.host() + "/shop/web&limit=2");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals(registry.host() + "/shop/web", j.get("image").asText());
        assertEquals(6, j.get("total").asInt());
        assertEquals("2.0.0-rc.1", j.at("/tags/0/tag").asText());
        assertEquals("1.26.0", j.at("/tags/1/tag").asText());
        assertTrue(j.at("/tags/1/digest").asText().startsWith("sha256:"));
        assertEquals("2025-06-03T10:00:00Z", j.at("/tags/1/releaseTime").asText());
        assertEquals("IMAGE_CONFIG", j.at("/tags/1/releaseTimeSource").asText());
        assertEquals(false, j.get("stale").asBoolean());
        // recorded for later scans
        assertEquals(6, db.count("image_tag"));

        Http.Response missing = http.get("/api/v1/tags?image=" + registry.host() + "/no/such");
        assertEquals(502, missing.status());
        assertTrue(missing.json().get("detail").asText().contains("NAME_UNKNOWN"));
        assertEquals(400, http.get("/api/v1/tags").status());
        assertEquals(400, http.get("/api/v1/tags?image=nginx&limit=-1").status());
    }
}
