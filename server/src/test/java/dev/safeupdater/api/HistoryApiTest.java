package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Drl;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.RunRows;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The auditors' read side over HTTP on H2 and PostgreSQL: update runs, decisions and audit events, filtered, paged
 * and exported as CSV; bad filters are refused naming the parameter.
 */
class HistoryApiTest {

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
        private final Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
        private TestServer server;
        private Http http;
        private long web;
        private long api;
        private final List<Long> shopRuns = new ArrayList<>();
        private long rolledBack;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        private Http.Response as(String actor, String method, String path, String body) {
            var b = http.request(path).header("X-Actor", actor).header("Content-Type", "application/json");
            return http.send(body == null ? b.method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                    : b.method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)));
        }

        private long asset(String actor, String ns, String name) {
            var r = as(actor, "PUT", "/api/v1/assets", """
                    {"namespace": "%s", "kind": "Deployment", "name": "%s", "container": "app",
                     "image": "ghcr.io/acme/%s", "currentTag": "1.4.0"}""".formatted(ns, name, name));
            assertTrue(r.status() == 201 || r.status() == 200, r.body());
            return r.json().get("id").asLong();
        }

        private long decide(String actor, long asset, String tag) {
            var r = as(actor, "POST", "/api/v1/assets/" + asset + "/decide", "{\"candidateTag\": \"" + tag + "\"}");
            assertEquals(201, r.status(), r.body());
            return r.json().get("id").asLong();
        }

        @BeforeAll
        void start() throws Exception {
            Path rules = Files.createTempDirectory("su-rules");
            Drl.write(rules, "test.drl", Drl.rule("patch-approve", "changeType == ChangeType.PATCH", "approve", "patch")
                    + Drl.rule("major-hold", "changeType == ChangeType.MAJOR", "hold", "major needs review"));
            server = TestServer.start(db, Map.of("rules.dir", rules.toString()));
            http = server.http();
            web = asset("alice", "shop", "web");
            api = asset("bob", "payments", "api");
            dev.safeupdater.testing.Listings.record(db.database(), "ghcr.io/acme/web", "1.4.1", "2.0.0");
            dev.safeupdater.testing.Listings.record(db.database(), "ghcr.io/acme/api", "1.4.1");
            long webPatch = decide("alice", web, "1.4.1");
            decide("alice", web, "2.0.0");
            long apiPatch = decide("bob", api, "1.4.1");
            boolean pg = db.kind() == TestDatabase.Kind.POSTGRES;
            db.database().jdbi().useTransaction(h -> {
                String[] states = {"SUCCEEDED", "FAILED", "SUCCEEDED", "ROLLED_BACK", "SUCCEEDED"};
                for (int i = 0; i < states.length; i++) {
                    Instant at = t0.plusSeconds(3600L * i);
                    // one run per decision (V9): later runs of the same patch come from the cycle's re-decisions
                    long decision = i == 0 ? webPatch : RunRows.redecided(h, webPatch, "cycle:1");
                    long run = RunRows.run(h, web, decision, "1.4.0", "1.4.1", null, states[i], at,
                            at.plusSeconds(60), states[i].equals("SUCCEEDED") ? null : "health check failed");
                    RunRows.event(h, run, null, "QUEUED", null, at, pg);
                    RunRows.event(h, run, "APPLYING", "VERIFYING", null, at.plusSeconds(10), pg);
                    RunRows.event(h, run, "VERIFYING", states[i].equals("ROLLED_BACK") ? "ROLLING_BACK" : states[i],
                            "{\"health\":{\"ready\":\"" + i + "/3\"}}", at.plusSeconds(50), pg);
                    shopRuns.add(run);
                    if (states[i].equals("ROLLED_BACK")) {
                        rolledBack = run;
                        RunRows.event(h, run, "ROLLING_BACK", "ROLLED_BACK", null, at.plusSeconds(60), pg);
                    }
                }
                for (int i = 0; i < 2; i++) {
                    Instant at = t0.plusSeconds(86_400L * 40 + i);
                    RunRows.run(h, api, i == 0 ? apiPatch : RunRows.redecided(h, apiPatch, "cycle:1"), "1.4.0",
                            "1.4.1", null, "SUCCEEDED", at, at.plusSeconds(5), null);
                }
            });
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private Http.Response csv(String path) {
            return http.send(http.request(path).header("Accept", "text/csv").GET());
        }

        /** Every item of a listing, following the cursor page by page. */
        private List<JsonNode> all(String path, int limit) {
            List<JsonNode> items = new ArrayList<>();
            String cursor = null;
            do {
                var r = http.get(path + (path.contains("?") ? "&" : "?") + "limit=" + limit
                        + (cursor == null ? "" : "&cursor=" + cursor));
                assertEquals(200, r.status(), r.body());
                r.json().get("items").forEach(items::add);
                cursor = r.json().get("nextCursor").isNull() ? null : r.json().get("nextCursor").asText();
            } while (cursor != null);
            return items;
        }

        private void assertInvalid(String path, String parameter) {
            var r = http.get(path);
            assertEquals(400, r.status(), path + ": " + r.body());
            assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
            assertEquals(parameter, r.json().get("errors").get(0).get("field").asText(), r.body());
        }

        @Test
        void updatesAreFilteredAndPagedNewestFirst() {
            List<JsonNode> shop = all("/api/v1/updates?namespace=shop", 2);
            assertEquals(shopRuns.reversed(), shop.stream().map(n -> n.get("id").asLong()).toList());
            assertEquals("ghcr.io/acme/web", shop.getFirst().get("image").asText());
            assertEquals("shop", shop.getFirst().get("asset").get("namespace").asText());
            assertEquals(2, all("/api/v1/updates?image=ghcr.io/acme/api", 50).size());
            List<JsonNode> back = all("/api/v1/updates?state=rolled-back", 50);
            assertEquals(List.of(rolledBack), back.stream().map(n -> n.get("id").asLong()).toList());
            assertTrue(back.getFirst().get("rolledBack").asBoolean());
            // created in [t0 + 1 h, t0 + 3 h): the second and third run
            assertEquals(List.of(shopRuns.get(2), shopRuns.get(1)),
                    all("/api/v1/updates?from=2026-02-01T01:00:00Z&to=2026-02-01T03:00:00Z", 50).stream()
                            .map(n -> n.get("id").asLong()).toList());
            assertEquals(7, all("/api/v1/updates?source=static", 3).size());
            assertEquals(0, all("/api/v1/updates?scope=no-such-scope", 3).size());
        }

        @Test
        void badFiltersAreRefusedNamingTheParameter() {
            assertInvalid("/api/v1/updates?state=DONE", "state");
            assertInvalid("/api/v1/updates?from=yesterday", "from");
            assertInvalid("/api/v1/updates?from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z", "to");
            assertInvalid("/api/v1/updates?cursor=bogus", "cursor");
            assertInvalid("/api/v1/updates?limit=0", "limit");
            assertInvalid("/api/v1/updates?asset=web", "asset");
            assertInvalid("/api/v1/decisions?outcome=maybe", "outcome");
            assertInvalid("/api/v1/decisions?to=soon", "to");
            assertInvalid("/api/v1/audit-events?from=1", "from");
            // a cursor from another listing is not a cursor of this one
            String decisionsCursor = http.get("/api/v1/decisions?limit=1").json().get("nextCursor").asText();
            assertInvalid("/api/v1/updates?cursor=" + decisionsCursor, "cursor");
            // the CSV form refuses the same way, before it writes anything
            var r = csv("/api/v1/updates?state=DONE");
            assertEquals(400, r.status(), r.body());
            assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        }

        @Test
        void oneUpdateWithItsEventsHealthAndRollback() {
            var r = http.get("/api/v1/updates/" + rolledBack);
            assertEquals(200, r.status(), r.body());
            JsonNode j = r.json();
            assertEquals("ROLLED_BACK", j.get("run").get("state").asText());
            assertEquals(List.of("QUEUED", "VERIFYING", "ROLLING_BACK", "ROLLED_BACK"),
                    toList(j.get("events"), "toState"));
            assertEquals("3/3", j.get("health").get("health").get("ready").asText());
            assertEquals("patch-approve", j.get("firedRules").get(0).get("name").asText());
            assertEquals(404, http.get("/api/v1/updates/999999").status());
            assertEquals(400, http.get("/api/v1/updates/x").status());
        }

        @Test
        void updatesAsCsvFollowTheSameFilter() {
            var r = csv("/api/v1/updates?namespace=shop");
            assertEquals(200, r.status(), r.body());
            assertTrue(r.contentType().startsWith("text/csv"), r.contentType());
            String[] lines = r.body().split("\r\n");
            assertEquals(6, lines.length, r.body());
            assertTrue(lines[0].startsWith("run_id,created_at,started_at,finished_at,state,rolled_back,asset_id"),
                    lines[0]);
            assertTrue(lines[1].startsWith(shopRuns.getLast() + ","), lines[1]);
            assertTrue(r.body().contains(",ROLLED_BACK,true,"), r.body());
            // JSON stays the default
            assertTrue(http.get("/api/v1/updates").contentType().startsWith("application/json"));
        }

        @Test
        void decisionsGainTheAuditorsFilters() {
            assertEquals(2, all("/api/v1/decisions?namespace=payments", 50).size()); // bob's patch and its re-decision
            assertEquals(1, all("/api/v1/decisions?rule=major-hold", 50).size());
            // alice's and bob's patches, and the five re-decisions the later runs came from
            assertEquals(7, all("/api/v1/decisions?rule=patch-approve", 50).size());
            assertEquals(0, all("/api/v1/decisions?rule=patch%25", 50).size());
            assertEquals(1, all("/api/v1/decisions?outcome=hold", 50).size());
            assertEquals(2, all("/api/v1/decisions?actor=api:alice", 1).size());
            assertEquals(1, all("/api/v1/decisions?actor=api:alice&outcome=approve&image=ghcr.io/acme/web", 50)
                    .size());
            var r = csv("/api/v1/decisions?actor=api:alice");
            assertEquals(200, r.status(), r.body());
            String[] lines = r.body().split("\r\n");
            assertEquals(3, lines.length, r.body());
            assertTrue(lines[0].startsWith("decision_id,decided_at,asset_id,"), lines[0]);
            assertTrue(lines[1].contains(",HOLD,major-hold,major-hold,"), lines[1]);
        }

        @Test
        void auditEventsAreFilteredPagedAndExported() {
            List<JsonNode> alice = all("/api/v1/audit-events?actor=api:alice", 1);
            assertEquals(List.of("asset.decide", "asset.decide", "asset.upsert"), toList(alice, "action"));
            assertEquals(3, all("/api/v1/audit-events?action=asset.decide", 50).size());
            assertEquals(5, all("/api/v1/audit-events?action=asset.", 2).size());
            assertEquals(2, all("/api/v1/audit-events?resourceType=asset", 50).size());
            assertEquals(1, all("/api/v1/audit-events?resourceType=asset&resourceId=" + api, 50).size());
            assertEquals(0, all("/api/v1/audit-events?to=2000-01-01T00:00:00Z", 50).size());
            var r = csv("/api/v1/audit-events?actor=api:bob");
            assertEquals(200, r.status(), r.body());
            String[] lines = r.body().split("\r\n");
            assertEquals("audit_id,at,actor,action,resource_type,resource_id,detail", lines[0]);
            assertEquals(3, lines.length, r.body());
            assertTrue(lines[1].contains(",api:bob,asset.decide,decision,"), lines[1]);
        }

        private static List<String> toList(Iterable<JsonNode> nodes, String field) {
            List<String> out = new ArrayList<>();
            nodes.forEach(n -> out.add(n.get(field).asText()));
            return out;
        }
    }
}
