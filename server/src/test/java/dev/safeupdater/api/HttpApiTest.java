package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.testing.Drl;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The real server on a free port, called over HTTP, on H2 and on PostgreSQL. */
class HttpApiTest {

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

    static final String EVALUATE = """
            {"namespace": "shop", "kind": "Deployment", "name": "web", "container": "nginx", "image": "nginx",
             "currentTag": "1.25.3", "candidateTag": "%s", "labels": {"team": "storefront"}}""";

    static Stream<Arguments> badRequests() {
        String big = "{\"image\": \"" + "a".repeat(1024 * 1024) + "\"}";
        return Stream.of(
                Arguments.of("malformed JSON", "{\"image\": \"nginx\",", 400, "malformed JSON"),
                Arguments.of("unknown field", EVALUATE.formatted("1.25.4").replace("\"labels\"", "\"colour\": 1, \"labels\""),
                        400, "colour"),
                Arguments.of("missing fields", "{\"image\": \"nginx\"}", 400, "currentTag: is required"),
                Arguments.of("wrong type", EVALUATE.formatted("1.25.4").replace("\"storefront\"", "[1]"), 400,
                        "labels.team"),
                Arguments.of("invalid tag", EVALUATE.formatted("1.25.4:evil"), 400, "candidateTag: is not a valid image tag"),
                Arguments.of("tag in the image field", EVALUATE.formatted("1.25.4").replace("\"nginx\",\n", "\"nginx:1.25\",\n"),
                        400, "image: is not an image repository reference"),
                Arguments.of("empty body", "", 400, "request body is required"),
                Arguments.of("JSON null", "null", 400, "not null"),
                Arguments.of("an array", "[]", 400, "must be a JSON object"),
                Arguments.of("over 1 MiB", big, 413, "larger than 1048576 bytes"));
    }

    abstract static class Contract extends DatabaseContract {
        private TestServer server;
        private Http http;
        private Path rules;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void start() throws Exception {
            rules = Files.createTempDirectory("su-rules");
            Drl.write(rules, "test.drl", Drl.rule("patch-approve", "changeType == ChangeType.PATCH", "approve", "patch")
                    + Drl.rule("minor-hold", "changeType == ChangeType.MINOR", "hold", "minor needs review")
                    + Drl.rule("major-hold", "changeType == ChangeType.MAJOR", "hold", "major needs review")
                    + Drl.rule("downgrade-reject", "changeType == ChangeType.DOWNGRADE", "reject", "older"));
            server = TestServer.start(db, Map.of("rules.dir", rules.toString()));
            http = server.http();
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private Map<String, Long> rowCounts() {
            Map<String, Long> counts = new java.util.TreeMap<>();
            for (String t : List.of("asset", "decision", "audit_event", "approval", "update_run", "pin")) {
                counts.put(t, db.count(t));
            }
            return counts;
        }

        private long putAsset(String name, String tag) {
            var r = http.putJson("/api/v1/assets", """
                    {"namespace": "shop", "kind": "Deployment", "name": "%s", "container": "app", "image": "ghcr.io/acme/%s",
                     "currentTag": "%s", "labels": {"team": "storefront"}}""".formatted(name, name, tag));
            assertTrue(r.status() == 201 || r.status() == 200, r.body());
            // the registry stage's listing of the image: decide accepts only these candidates
            dev.safeupdater.testing.Listings.record(db.database(), "ghcr.io/acme/" + name, "1.0.1", "2.4.0",
                    "3.0.9", "3.1.1", "3.1.2", "3.2.0", "4.0.0");
            return r.json().get("id").asLong();
        }

        @Test
        void evaluateAnswersWithChangeTypeOutcomeRulesAndRevisionAndWritesNothing() {
            Map<String, Long> before = rowCounts();
            var r = http.postJson("/api/v1/evaluate", EVALUATE.formatted("1.25.4"));
            assertEquals(200, r.status(), r.body());
            JsonNode j = r.json();
            assertEquals("PATCH", j.get("changeType").asText());
            assertEquals("APPROVE", j.get("outcome").asText());
            assertEquals("patch-approve", j.get("decidedBy").asText());
            assertEquals("patch-approve", j.get("firedRules").get(0).get("name").asText());
            assertEquals("tests", j.get("firedRules").get(0).get("metadata").get("owner").asText());
            assertEquals("patch", j.get("reasons").get(0).asText());
            assertEquals(server.application().services().policy().active().orElseThrow().revision(),
                    j.get("rulesetRevision").asText());

            assertEquals("MINOR", http.postJson("/api/v1/evaluate", EVALUATE.formatted("1.26.0")).json().get("changeType").asText());
            assertEquals("HOLD", http.postJson("/api/v1/evaluate", EVALUATE.formatted("2.0.0")).json().get("outcome").asText());
            assertEquals("REJECT", http.postJson("/api/v1/evaluate", EVALUATE.formatted("1.24.0")).json().get("outcome").asText());
            assertEquals(before, rowCounts());
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("dev.safeupdater.api.HttpApiTest#badRequests")
        void badInputIsA400ProblemAndWritesNothing(String what, String body, int status, String detail) {
            Map<String, Long> before = rowCounts();
            for (String path : List.of("/api/v1/evaluate", "/api/v1/assets")) {
                // an oversized body is announced with Expect: 100-continue, as careful clients do, so the 413 arrives
                // before the body is sent (otherwise the server's close can race the client's upload)
                var req = http.request(path).header("Content-Type", "application/json").expectContinue(status == 413);
                var r = http.send(path.endsWith("assets") ? req.PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                        : req.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
                assertEquals(status, r.status(), path + ": " + r.body());
                assertEquals("application/problem+json", r.contentType(), r.body());
                JsonNode p = r.json();
                assertEquals(status, p.get("status").asInt());
                assertNotNull(p.get("title"));
                assertNotNull(p.get("type"));
                if (path.endsWith("evaluate")) {
                    assertTrue(p.toString().contains(detail), what + " → " + p);
                }
            }
            assertEquals(before, rowCounts());
        }

        @Test
        void aBodyThatIsNotJsonIsRefusedWith415() {
            var r = http.send(http.request("/api/v1/evaluate").header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(EVALUATE.formatted("1.25.4"))));
            assertEquals(415, r.status());
            assertEquals("application/problem+json", r.contentType());
        }

        @Test
        void assetsAreRegisteredUpdatedListedInPagesAndRead() {
            Map<String, Long> before = rowCounts();
            var created = http.putJson("/api/v1/assets", """
                    {"namespace": "shop", "kind": "Deployment", "name": "cart", "container": "app", "image": "redis",
                     "currentTag": "7.2.4", "labels": {"tier": "cache"}}""");
            assertEquals(201, created.status(), created.body());
            long id = created.json().get("id").asLong();
            var updated = http.putJson("/api/v1/assets", """
                    {"namespace": "shop", "kind": "Deployment", "name": "cart", "container": "app", "image": "redis",
                     "currentTag": "7.2.5"}""");
            assertEquals(200, updated.status(), updated.body());
            assertEquals(id, updated.json().get("id").asLong());
            assertEquals("7.2.5", http.get("/api/v1/assets/" + id).json().get("currentTag").asText());
            assertEquals(before.get("asset") + 1, db.count("asset"));
            assertEquals(before.get("audit_event") + 2, db.count("audit_event"));

            for (int i = 0; i < 5; i++) {
                putAsset("page-" + i, "1.0." + i);
            }
            Set<Long> seen = new HashSet<>();
            String cursor = null;
            int pages = 0;
            do {
                var page = http.get("/api/v1/assets?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
                page.get("items").forEach(a -> assertTrue(seen.add(a.get("id").asLong()), "asset listed twice"));
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
                pages++;
            } while (cursor != null);
            assertEquals(db.count("asset"), seen.size());
            assertTrue(pages >= 3);
        }

        @Test
        void unknownIdsAre404AndMalformedOnesAre400() {
            var missing = http.get("/api/v1/assets/987654");
            assertEquals(404, missing.status());
            assertEquals("application/problem+json", missing.contentType());
            assertTrue(missing.json().get("detail").asText().contains("987654"));
            assertEquals(404, http.get("/api/v1/decisions/987654").status());
            assertEquals(404, http.postJson("/api/v1/assets/987654/decide", "{\"candidateTag\": \"1.0.1\"}").status());
            assertEquals(400, http.get("/api/v1/assets/abc").status());
            var nowhere = http.get("/api/v1/nowhere");
            assertEquals(404, nowhere.status());
            assertEquals("application/problem+json", nowhere.contentType());
        }

        @Test
        void decideStoresTheDecisionWithEverythingAuditorsNeed() {
            long asset = putAsset("checkout", "2.3.1");
            Map<String, Long> before = rowCounts();
            var r = http.send(http.request("/api/v1/assets/" + asset + "/decide")
                    .header("Content-Type", "application/json").header("X-Actor", "alice@example.com")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"candidateTag\": \"2.4.0\"}")));
            assertEquals(201, r.status(), r.body());
            JsonNode d = r.json();
            assertEquals(asset, d.get("assetId").asLong());
            assertEquals("2.3.1", d.get("fromTag").asText());
            assertEquals("2.4.0", d.get("toTag").asText());
            assertEquals("MINOR", d.get("changeType").asText());
            assertEquals("HOLD", d.get("outcome").asText());
            assertEquals("minor needs review", d.get("reasons").get(0).asText());
            assertEquals("minor-hold", d.get("firedRules").get(0).get("name").asText());
            assertTrue(d.get("rulesetRevision").asText().matches("[0-9a-f]{64}"));
            assertEquals("ghcr.io/acme/checkout", d.get("inputs").get("candidate").get("image").asText());
            assertEquals("api:alice@example.com", d.get("actor").asText());
            assertFalse(d.get("decidedAt").isNull());
            assertEquals(before.get("decision") + 1, db.count("decision"));
            assertEquals(before.get("audit_event") + 1, db.count("audit_event"));
            assertEquals(d, http.get("/api/v1/decisions/" + d.get("id").asLong()).json());
        }

        @Test
        void decideChecksTheCandidateAgainstTheRecordedListingAndFillsItsDigest() {
            long asset = putAsset("listing", "3.1.0");
            String image = "ghcr.io/acme/listing";
            var ok = http.postJson("/api/v1/assets/" + asset + "/decide", "{\"candidateTag\": \"3.1.1\"}");
            assertEquals(201, ok.status(), ok.body());
            assertEquals(dev.safeupdater.testing.Listings.digest(image, "3.1.1"), ok.json().get("toDigest").asText(),
                    "the digest recorded for the tag is filled in");

            Map<String, Long> before = rowCounts();
            var missing = http.postJson("/api/v1/assets/" + asset + "/decide", "{\"candidateTag\": \"9.9.9\"}");
            assertEquals(422, missing.status(), missing.body());
            assertEquals("application/problem+json", missing.contentType());
            assertEquals("candidateTag", missing.json().get("errors").get(0).get("field").asText());
            assertTrue(missing.json().get("detail").asText().contains("is not in the registry's listing of " + image),
                    missing.body());

            var wrongDigest = http.postJson("/api/v1/assets/" + asset + "/decide",
                    "{\"candidateTag\": \"3.1.1\", \"candidateDigest\": \"sha256:" + "0".repeat(64) + "\"}");
            assertEquals(422, wrongDigest.status(), wrongDigest.body());
            assertEquals("candidateDigest", wrongDigest.json().get("errors").get(0).get("field").asText());

            var callerTime = http.postJson("/api/v1/assets/" + asset + "/decide",
                    "{\"candidateTag\": \"3.1.1\", \"releaseTime\": \"2020-01-01T00:00:00Z\"}");
            assertEquals(400, callerTime.status(), callerTime.body());
            assertTrue(callerTime.json().get("detail").asText().contains("releaseTime is not accepted"),
                    callerTime.body());

            // an image nobody has listed yet
            var unlisted = http.putJson("/api/v1/assets", """
                    {"namespace": "shop", "kind": "Deployment", "name": "unlisted", "container": "app",
                     "image": "ghcr.io/acme/never-listed", "currentTag": "1.0.0"}""");
            var none = http.postJson("/api/v1/assets/" + unlisted.json().get("id").asLong() + "/decide",
                    "{\"candidateTag\": \"1.0.1\"}");
            assertEquals(409, none.status(), none.body());
            assertTrue(none.json().get("detail").asText().contains("no registry listing of ghcr.io/acme/never-listed"),
                    none.body());

            // an asset its source no longer finds
            long gone = putAsset("gone", "3.1.0");
            db.database().jdbi().useHandle(h -> h.createUpdate("UPDATE asset SET gone_at = CURRENT_TIMESTAMP WHERE id = :id")
                    .bind("id", gone).execute());
            Map<String, Long> beforeGone = rowCounts();
            var goneDecide = http.postJson("/api/v1/assets/" + gone + "/decide", "{\"candidateTag\": \"3.1.1\"}");
            assertEquals(409, goneDecide.status(), goneDecide.body());
            assertTrue(goneDecide.json().get("detail").asText().contains("is gone since"), goneDecide.body());
            assertEquals(beforeGone.get("decision"), rowCounts().get("decision"), "refusals write no decision");
            assertEquals(before.get("decision"), db.count("decision"));
        }

        @Test
        void evaluateRecordsACallersReleaseTimeAsTheCallers() {
            var r = http.postJson("/api/v1/evaluate", """
                    {"namespace": "shop", "kind": "Deployment", "name": "web", "container": "nginx", "image": "nginx",
                     "currentTag": "1.25.3", "candidateTag": "1.25.4", "releaseTime": "2026-01-01T00:00:00Z"}""");
            assertEquals(200, r.status(), r.body());
            assertEquals("CALLER", r.json().get("candidate").get("releaseTimeSource").asText(), r.body());
        }

        @Test
        void aRefusedDecideWritesNoRows() {
            long asset = putAsset("refused", "1.0.0");
            Map<String, Long> before = rowCounts();
            assertEquals(400, http.postJson("/api/v1/assets/" + asset + "/decide", "{\"candidateTag\": \"..\"}").status());
            assertEquals(400, http.postJson("/api/v1/assets/" + asset + "/decide", "{\"tag\": \"1.0.1\"}").status());
            assertEquals(400, http.send(http.request("/api/v1/assets/" + asset + "/decide")
                    .header("Content-Type", "application/json").header("X-Actor", "bad actor; drop table")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"candidateTag\": \"1.0.1\"}"))).status());
            assertEquals(before, rowCounts());
        }

        @Test
        void decisionsAreListedNewestFirstFilteredAndPaged() {
            long a = putAsset("listed", "3.1.0");
            long b = putAsset("other", "3.1.0");
            Instant start = Instant.now();
            List<Long> ids = new ArrayList<>();
            for (String tag : List.of("3.1.1", "3.2.0", "3.1.2", "4.0.0", "3.0.9")) {
                ids.add(http.postJson("/api/v1/assets/" + a + "/decide", "{\"candidateTag\": \"" + tag + "\"}")
                        .json().get("id").asLong());
            }
            http.postJson("/api/v1/assets/" + b + "/decide", "{\"candidateTag\": \"3.1.1\"}");

            JsonNode all = http.get("/api/v1/decisions?asset=" + a).json();
            List<Long> listed = new ArrayList<>();
            all.get("items").forEach(d -> listed.add(d.get("id").asLong()));
            assertEquals(ids.reversed(), listed);

            JsonNode holds = http.get("/api/v1/decisions?asset=" + a + "&outcome=hold").json();
            assertEquals(2, holds.get("items").size());
            holds.get("items").forEach(d -> assertEquals("HOLD", d.get("outcome").asText()));

            assertEquals(0, http.get("/api/v1/decisions?asset=" + a + "&to=" + start).json().get("items").size());
            assertEquals(5, http.get("/api/v1/decisions?asset=" + a + "&from=" + start).json().get("items").size());

            JsonNode page1 = http.get("/api/v1/decisions?asset=" + a + "&limit=3").json();
            assertEquals(3, page1.get("items").size());
            JsonNode page2 = http.get("/api/v1/decisions?asset=" + a + "&limit=3&cursor="
                    + page1.get("nextCursor").asText()).json();
            assertEquals(2, page2.get("items").size());
            assertTrue(page2.get("nextCursor").isNull());
            assertEquals(ids.get(1), page2.get("items").get(0).get("id").asLong());

            for (String bad : List.of("outcome=maybe", "from=yesterday", "limit=0", "limit=501", "asset=x",
                    "cursor=bogus")) {
                var r = http.get("/api/v1/decisions?" + bad);
                assertEquals(400, r.status(), bad + ": " + r.body());
                assertEquals("application/problem+json", r.contentType());
            }
        }

        @Test
        void rulesShowTheActiveSet() {
            JsonNode r = http.get("/api/v1/rules").json();
            assertEquals(64, r.get("active").get("revision").asText().length());
            assertEquals("test.drl", r.get("active").get("files").get(0).get("name").asText());
            assertEquals(4, r.get("active").get("rules").size());
            assertNotNull(r.get("active").get("activatedAt").asText());
        }

        @Test
        void healthIsUpAndMetricsCountDecisionsAndTimeRequests() {
            var health = http.get("/observe/health");
            assertEquals(200, health.status(), health.body());
            assertEquals("UP", health.json().get("status").asText());
            assertEquals(200, http.get("/observe/health/ready").status(), "readiness probe path (deploy/)");
            assertEquals(200, http.get("/observe/health/live").status(), "liveness probe path (deploy/)");
            http.postJson("/api/v1/evaluate", EVALUATE.formatted("1.25.4"));
            String metrics = http.get("/observe/metrics").body();
            assertTrue(metrics.contains("safe_updater_decisions_total{outcome=\"APPROVE\""), metrics);
            assertTrue(metrics.contains("safe_updater_http_request_seconds_count{method=\"POST\",route=\"/api/v1/evaluate\","
                    + "status=\"200\",}"), metrics);
            // the route is the API table's pattern, never an id of the request
            http.get("/api/v1/assets/4242/approvals");
            http.get("/api/v1/no-such-thing/4242");
            metrics = http.get("/observe/metrics").body();
            assertTrue(metrics.contains("safe_updater_http_request_seconds_count{method=\"GET\","
                    + "route=\"/api/v1/assets/{assetId}/approvals\","), metrics);
            assertTrue(metrics.contains("safe_updater_http_request_seconds_count{method=\"GET\",route=\"unmatched\","
                    + "status=\"404\",}"), metrics);
            assertFalse(metrics.contains("/4242"), metrics);
            assertFalse(metrics.contains("scope=\""), "no scope label:\n" + metrics);
        }
    }
}
