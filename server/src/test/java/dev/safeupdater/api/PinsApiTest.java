package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.Listings;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/pins} on both databases: add, list, the policy refusing a pinned version, remove, audit, bad input. */
class PinsApiTest {

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
        private TestServer server;
        private Http http;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void start() {
            server = TestServer.start(db);
            http = server.http();
            Listings.record(db.database(), "docker.io/library/nginx", "1.25.0", "1.25.1");
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private long asset(String name) {
            return http.putJson("/api/v1/assets", "{\"kind\":\"Deployment\",\"name\":\"" + name + "\","
                    + "\"namespace\":\"shop-dev\",\"image\":\"nginx\",\"currentTag\":\"1.25.0\"}").json().get("id")
                    .asLong();
        }

        @Test
        void aPinnedVersionIsRefusedUntilThePinIsRemoved() {
            long id = asset("pinned-" + kind);
            Http.Response added = http.send(http.request("/api/v1/pins").header("Content-Type", "application/json")
                    .header("X-Actor", "alice").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"assetId\":" + id + ",\"tag\":\"1.25.1\",\"reason\":\"breaks TLS\"}")));
            assertEquals(201, added.status(), added.body());
            long pin = added.json().get("id").asLong();
            assertEquals("api:alice", added.json().get("createdBy").asText());
            assertTrue(added.json().get("runId").isNull(), "a pin set by hand names no run: " + added.body());
            JsonNode list = http.get("/api/v1/pins?assetId=" + id).json().get("items");
            assertEquals(1, list.size());
            assertEquals("breaks TLS", list.get(0).get("reason").asText());

            JsonNode decided = http.postJson("/api/v1/assets/" + id + "/decide", "{\"candidateTag\":\"1.25.1\"}").json();
            assertEquals("REJECT", decided.get("outcome").asText(), decided.toString());
            assertTrue(decided.toString().contains("pinned"), decided.toString());

            Http.Response removed = http.send(http.request("/api/v1/pins/" + pin).header("X-Actor", "bob").DELETE());
            assertEquals(200, removed.status(), removed.body());
            assertFalse(removed.json().get("removedAt").isNull());
            assertEquals(0, http.get("/api/v1/pins?assetId=" + id).json().get("items").size());
            JsonNode again = http.postJson("/api/v1/assets/" + id + "/decide", "{\"candidateTag\":\"1.25.1\"}").json();
            assertFalse(again.toString().contains("pinned-version"), again.toString());
            long audited = db.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_event"
                    + " WHERE resource_type = 'pin' AND resource_id = :id").bind("id", Long.toString(pin))
                    .mapTo(Long.class).one());
            assertEquals(2, audited, "pin.add and pin.remove are audited");
        }

        @Test
        void badInputIsAProblemAndNothingIsWritten() {
            long before = db.count("pin");
            Http.Response missing = http.postJson("/api/v1/pins", "{\"tag\":\"bad tag!\"}");
            assertEquals(400, missing.status());
            assertEquals("application/problem+json", missing.contentType());
            assertTrue(missing.body().contains("assetId") && missing.body().contains("reason")
                    && missing.body().contains("tag"), missing.body());
            Http.Response unknownAsset = http.postJson("/api/v1/pins",
                    "{\"assetId\":999999,\"tag\":\"1.0.0\",\"reason\":\"x\"}");
            assertEquals(404, unknownAsset.status(), unknownAsset.body());
            Http.Response unknownPin = http.send(http.request("/api/v1/pins/999999").DELETE());
            assertEquals(404, unknownPin.status());
            assertEquals("application/problem+json", unknownPin.contentType());
            assertEquals(before, db.count("pin"));
        }
    }
}
