package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.model.Role;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import dev.safeupdater.testing.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens and roles over real HTTP, on H2 and PostgreSQL: every route of {@link Access#TABLE} called with no
 * token, an unknown token and each role's token gives 401 / 403 / an answer exactly as the table says; refused
 * mutations are audited; the actor is the token's name whatever {@code X-Actor} claims.
 */
class AuthApiTest {

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

    /** Who calls: nobody, someone with a wrong token, or a role's token. */
    record Caller(String label, String token, Role role) {
    }

    abstract static class Contract extends DatabaseContract {
        private final Tokens tokens = new Tokens();
        private TestServer server;
        private Http http;
        private long assetId;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void start() throws Exception {
            Path dir = Files.createTempDirectory("su-auth");
            server = TestServer.start(db, Map.of("auth.tokens-file", tokens.write(dir.resolve("tokens.yaml")).toString()));
            http = server.http();
            var r = send("PUT", "/api/v1/assets", """
                    {"namespace": "shop", "kind": "Deployment", "name": "web", "container": "app",
                     "image": "ghcr.io/acme/web", "currentTag": "1.0.0"}""", tokens.tokenOf("admin"), Map.of());
            assertEquals(201, r.status(), r.body());
            assetId = r.json().get("id").asLong();
            // decide checks candidates against the registry's recorded listing
            dev.safeupdater.testing.Listings.record(db.database(), "ghcr.io/acme/web", "1.0.1", "1.0.2", "1.2.0");
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private Http.Response send(String method, String path, String body, String token, Map<String, String> headers) {
            HttpRequest.Builder b = http.request(path);
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            headers.forEach(b::header);
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            return http.send(b);
        }

        /** A concrete path for a route pattern: ids of the asset made at start, or ids nobody has. */
        private String path(Access.Rule rule) {
            return rule.pattern().replace("{assetId}", Long.toString(assetId))
                    .replace("/assets/{id}", "/assets/" + assetId)
                    .replaceAll("\\{[^}]+}", "987654");
        }

        /** A body the route accepts (or refuses as invalid, which is not a 401/403 either). */
        private static String body(Access.Rule rule) {
            if (rule.method().equals("GET") || rule.method().equals("DELETE")) {
                return null;
            }
            return switch (rule.pattern()) {
                case "/api/v1/evaluate" -> HttpApiTest.EVALUATE.formatted("1.25.4");
                case "/api/v1/versions/candidates" -> "{\"current\": \"1.0.0\", \"available\": [\"1.0.1\", \"2.0.0\"]}";
                case "/api/v1/assets" -> """
                        {"namespace": "shop", "kind": "Deployment", "name": "web2", "container": "app",
                         "image": "ghcr.io/acme/web", "currentTag": "1.0.0"}""";
                case "/api/v1/assets/{id}/decide", "/api/v1/assets/{assetId}/approvals" -> "{\"candidateTag\": \"1.0.1\"}";
                default -> "{}";
            };
        }

        private List<Caller> callers() {
            List<Caller> out = new ArrayList<>();
            out.add(new Caller("no token", null, null));
            out.add(new Caller("unknown token", "not-a-token-anyone-has", null));
            for (Role r : Role.values()) {
                out.add(new Caller(r.id(), tokens.tokenOf(r.id()), r));
            }
            return out;
        }

        @Test
        void everyRouteTimesEveryCallerGivesWhatTheTableSays() {
            List<String> wrong = new ArrayList<>();
            int calls = 0;
            for (Access.Rule rule : Access.TABLE) {
                for (Caller c : callers()) {
                    Http.Response r = send(rule.method(), path(rule), body(rule), c.token(), Map.of());
                    calls++;
                    String what = rule.method() + " " + path(rule) + " as " + c.label() + " -> " + r.status();
                    if (c.role() == null) {
                        if (r.status() != 401 || !r.contentType().equals("application/problem+json")) {
                            wrong.add(what + " (expected 401 problem): " + r.body());
                        }
                    } else if (!c.role().includes(rule.role())) {
                        if (r.status() != 403 || !r.json().get("detail").asText().contains(rule.role().id())) {
                            wrong.add(what + " (expected 403 naming " + rule.role().id() + "): " + r.body());
                        }
                    } else if (r.status() == 401 || r.status() == 403 || r.status() >= 500 && r.status() != 502) {
                        wrong.add(what + " (expected an answer): " + r.body());
                    }
                }
            }
            assertEquals(List.of(), wrong);
            assertEquals(Access.TABLE.size() * 6, calls);
        }

        @Test
        void readsByTheRightRoleAnswer200() {
            String viewer = tokens.tokenOf("viewer");
            for (String path : List.of("/api/v1/assets", "/api/v1/assets/" + assetId, "/api/v1/decisions",
                    "/api/v1/rules", "/api/v1/scan", "/api/v1/assets/" + assetId + "/approvals")) {
                assertEquals(200, send("GET", path, null, viewer, Map.of()).status(), path);
            }
            assertEquals(200, send("POST", "/api/v1/evaluate", HttpApiTest.EVALUATE.formatted("1.25.4"), viewer,
                    Map.of()).status());
            assertEquals(200, send("GET", "/api/v1/notifications", null, tokens.tokenOf("auditor"), Map.of()).status());
        }

        @Test
        void withoutATokenTheAnswerSaysHowToAuthenticate() {
            Http.Response none = send("GET", "/api/v1/assets", null, null, Map.of());
            assertEquals(401, none.status());
            assertEquals("/problems/unauthorized", none.json().get("type").asText());
            var raw = http.send(http.request("/api/v1/assets").GET());
            assertEquals(401, raw.status());
            var headers = rawHeaders("/api/v1/assets", null);
            assertTrue(headers.contains("Bearer realm=\"safe-updater\""), headers);
            var bad = rawHeaders("/api/v1/assets", "wrong");
            assertTrue(bad.contains("error=\"invalid_token\""), bad);
            // a token sent with another scheme is no token
            assertEquals(401, send("GET", "/api/v1/assets", null, null,
                    Map.of("Authorization", "Basic " + tokens.tokenOf("admin"))).status());
            // unknown API paths need admin (deny by default): 401 / 403 before any 404
            assertEquals(401, send("GET", "/api/v1/nowhere", null, null, Map.of()).status());
            assertEquals(403, send("GET", "/api/v1/nowhere", null, tokens.tokenOf("approver"), Map.of()).status());
            assertEquals(404, send("GET", "/api/v1/nowhere", null, tokens.tokenOf("admin"), Map.of()).status());
            // health stays open
            assertEquals(200, http.get("/observe/health/live").status());
        }

        private String rawHeaders(String path, String token) {
            try (var client = java.net.http.HttpClient.newHttpClient()) {
                var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + path));
                if (token != null) {
                    b.header("Authorization", "Bearer " + token);
                }
                var r = client.send(b.build(), java.net.http.HttpResponse.BodyHandlers.discarding());
                return r.headers().allValues("www-authenticate").toString();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        @Test
        void refusedMutationsAreAuditedWithWhoTriedAndReadsAreNot() {
            long before = db.count("audit_event");
            assertEquals(403, send("POST", "/api/v1/rules/reload", null, tokens.tokenOf("viewer"), Map.of()).status());
            assertEquals(401, send("PUT", "/api/v1/assets", "{}", null, Map.of()).status());
            assertEquals(403, send("GET", "/api/v1/notifications", null, tokens.tokenOf("viewer"), Map.of()).status());
            // a listing as CSV is an export: auditors' material even where the JSON page is a viewer's
            assertEquals(403, send("GET", "/api/v1/decisions", null, tokens.tokenOf("viewer"),
                    Map.of("Accept", "text/csv")).status());
            assertEquals(200, send("GET", "/api/v1/decisions", null, tokens.tokenOf("auditor"),
                    Map.of("Accept", "text/csv")).status());
            assertEquals(before + 2, db.count("audit_event"));
            List<Map<String, Object>> rows = db.database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT actor, action, resource_type, resource_id FROM audit_event WHERE action = 'access.refuse'"
                            + " ORDER BY id DESC").setMaxRows(2).mapToMap().list());
            assertEquals("anonymous", rows.get(0).get("actor"));
            assertEquals("PUT /api/v1/assets", rows.get(0).get("resource_id"));
            assertEquals("vera", rows.get(1).get("actor"));
            assertEquals("POST /api/v1/rules/reload", rows.get(1).get("resource_id"));
            assertEquals("api", rows.get(1).get("resource_type"));
        }

        @Test
        void theActorIsTheTokensNameWhateverXActorClaims() {
            String alice = tokens.tokenOf("approver");
            var first = send("POST", "/api/v1/assets/" + assetId + "/approvals", "{\"candidateTag\": \"1.2.0\"}",
                    alice, Map.of("X-Actor", "mallory"));
            assertEquals(201, first.status(), first.body());
            assertEquals("alice", first.json().get("approver").asText());
            var again = send("POST", "/api/v1/assets/" + assetId + "/approvals", "{\"candidateTag\": \"1.2.0\"}",
                    alice, Map.of("X-Actor", "eve"));
            assertEquals(201, again.status(), again.body());
            JsonNode votes = send("GET", "/api/v1/assets/" + assetId + "/approvals?candidateTag=1.2.0", null, alice,
                    Map.of()).json();
            assertEquals(1, votes.size(), votes.toString());
            var decision = send("POST", "/api/v1/assets/" + assetId + "/decide", "{\"candidateTag\": \"1.0.2\"}",
                    tokens.tokenOf("admin"), Map.of("X-Actor", "someone-else"));
            assertEquals(201, decision.status(), decision.body());
            assertEquals("root", decision.json().get("actor").asText());
            String actors = db.database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT actor FROM audit_event ORDER BY id DESC").setMaxRows(1).mapTo(String.class).one());
            assertEquals("root", actors);
            assertNotEquals(0, db.count("decision"));
            assertFalse(first.body().contains("mallory"));
        }
    }
}
