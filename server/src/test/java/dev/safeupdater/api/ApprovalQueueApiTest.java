package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.app.Application;
import dev.safeupdater.app.Settings;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationEventType;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.Listings;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Approvers over HTTP on H2 and PostgreSQL: what waits for whom, approving and rejecting a held decision (one vote
 * per person, append-only, audited), votes expiring past the scope's deadline (recorded and announced), a new digest
 * starting from no votes, and a rejection pinning the version.
 */
class ApprovalQueueApiTest {

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

    static final String POLICIES = String.join("\n",
            "scopes:",
            "  - name: gated",
            "    priority: 10",
            "    match: {namespace: gated}",
            "    approvals: {count: 2, deadline: 1h}",
            "  - name: everything",
            "    priority: -1",
            "");

    abstract static class Contract extends DatabaseContract {
        private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:00:00Z"));
        private final List<NotificationEvent> announced = new CopyOnWriteArrayList<>();
        private Application app;
        private Http http;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void start() throws Exception {
            Path dir = Files.createTempDirectory("approvals-api");
            Path rules = Files.createDirectories(dir.resolve("rules"));
            Path policies = Files.createDirectories(dir.resolve("policies"));
            Files.copy(TestPaths.rules().resolve("default.drl"), rules.resolve("default.drl"));
            Files.writeString(policies.resolve("test.yaml"), POLICIES);
            Map<String, String> flags = new HashMap<>();
            flags.put("port", "0");
            flags.put("db.url", db.url());
            flags.put("db.user", db.user());
            flags.put("rules.dir", rules.toString());
            flags.put("policies.dir", policies.toString());
            flags.put("policy.watch", "false");
            Settings settings = Settings.load(flags, Map.of(), dir);
            app = Application.start(settings, Application.services(settings, true, clock));
            app.services().approvals().notifyTo(announced::add);
            http = new Http(app.port());
        }

        @AfterAll
        void stop() {
            app.close();
        }

        private long asset(String namespace, String name) {
            var r = http.putJson("/api/v1/assets", "{\"namespace\":\"" + namespace + "\",\"kind\":\"Deployment\","
                    + "\"name\":\"" + name + "\",\"container\":\"app\",\"image\":\"ghcr.io/acme/" + name + "\","
                    + "\"currentTag\":\"1.0.0\"}");
            assertTrue(r.status() == 201 || r.status() == 200, r.body());
            return r.json().get("id").asLong();
        }

        /** The registry listing of the asset's image now has {@code tag} at {@code digest} (a tag may move). */
        private void listed(long asset, String tag, String digest) {
            String image = http.get("/api/v1/assets/" + asset).json().get("image").asText();
            ImageTagStore store = new ImageTagStore(db.database());
            List<String> tags = new java.util.ArrayList<>();
            List<ImageTagStore.TagDetail> details = new java.util.ArrayList<>();
            for (ImageTagStore.TagRow row : store.tags(image)) {
                if (!row.tag().equals(tag)) {
                    tags.add(row.tag());
                    details.add(new ImageTagStore.TagDetail(row.tag(), row.digest(), null, null));
                }
            }
            tags.add(tag);
            details.add(new ImageTagStore.TagDetail(tag, digest == null ? Listings.digest(image, tag) : digest, null,
                    null));
            store.recordListing(image, tags, details, clock.instant());
        }

        private JsonNode decide(long asset, String tag, String digest) {
            listed(asset, tag, digest);
            var r = http.send(http.request("/api/v1/assets/" + asset + "/decide")
                    .header("Content-Type", "application/json").header("X-Actor", "cycle")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"candidateTag\":\"" + tag + "\"}")));
            assertEquals(201, r.status(), r.body());
            return r.json();
        }

        private Http.Response vote(long decision, String verb, String who, String comment) {
            var b = http.request("/api/v1/decisions/" + decision + "/" + verb).header("Content-Type",
                    "application/json");
            if (who != null) {
                b.header("X-Actor", who);
            }
            return http.send(b.POST(comment == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                    : java.net.http.HttpRequest.BodyPublishers.ofString("{\"comment\":\"" + comment + "\"}")));
        }

        private JsonNode pendingFor(long asset) {
            var r = http.get("/api/v1/approvals?state=pending");
            assertEquals(200, r.status(), r.body());
            for (JsonNode p : r.json()) {
                if (p.get("assetId").asLong() == asset) {
                    return p;
                }
            }
            return null;
        }

        private static String digest(char c) {
            return "sha256:" + String.valueOf(c).repeat(64);
        }

        @Test
        void enoughVotesTurnTheNextDecisionIntoApprove() {
            long a = asset("gated", "pay");
            JsonNode held = decide(a, "1.0.1", digest('a'));
            assertEquals("HOLD", held.get("outcome").asText());
            long id = held.get("id").asLong();
            JsonNode p = pendingFor(a);
            assertEquals(id, p.get("decisionId").asLong());
            assertEquals(0, p.get("votes").asInt());
            assertEquals(2, p.get("needed").asInt());
            assertEquals("PT1H", p.get("voteWindow").asText(), "the scope's deadline, as ISO-8601 (not 3600.000000000)");
            assertEquals("1.0.1", p.get("toTag").asText());
            assertTrue(p.get("deadline").isNull(), "no vote yet, nothing lapses");

            assertEquals(400, vote(id, "approve", null, "ok").status(), "anonymous votes are refused");
            var alice = vote(id, "approve", "alice", "tested in staging");
            assertEquals(201, alice.status(), alice.body());
            assertEquals("api:alice", alice.json().get("approver").asText());
            assertEquals("APPROVE", alice.json().get("vote").asText());
            assertEquals(201, vote(id, "approve", "alice", null).status(), "a second vote replaces the first");
            p = pendingFor(a);
            assertEquals(1, p.get("votes").asInt(), "one vote per person");
            assertEquals(List.of("api:alice"), List.of(p.get("voters").get(0).asText()));
            assertEquals(Instant.parse("2026-03-02T11:00:00Z"), Instant.parse(p.get("deadline").asText()));
            assertEquals("HOLD", decide(a, "1.0.1", digest('a')).get("outcome").asText());

            long next = decide(a, "1.0.1", digest('a')).get("id").asLong();
            assertEquals(201, vote(next, "approve", "bob", null).status());
            assertEquals("APPROVE", decide(a, "1.0.1", digest('a')).get("outcome").asText());
            assertEquals(null, pendingFor(a), "an approved candidate waits for nobody");
            var audit = http.get("/api/v1/audit-events?action=approval.vote&resourceType=vote").json().get("items");
            assertTrue(audit.size() >= 3, audit.toString());
            // votes are history: the replaced vote is still a row
            assertTrue(db.count("approval_vote") >= 3);
        }

        @Test
        void aNewDigestBehindTheSameTagStartsFromNoVotes() {
            long a = asset("gated", "shop");
            long first = decide(a, "2.0.1", digest('b')).get("id").asLong();
            assertEquals(201, vote(first, "approve", "alice", null).status());
            assertEquals(1, pendingFor(a).get("votes").asInt());
            long second = decide(a, "2.0.1", digest('c')).get("id").asLong();
            JsonNode p = pendingFor(a);
            assertEquals(second, p.get("decisionId").asLong());
            assertEquals(0, p.get("votes").asInt(), "the votes were for the old digest");
            var stale = vote(first, "approve", "bob", null);
            assertEquals(409, stale.status(), stale.body());
            assertTrue(stale.json().get("detail").asText().contains("newer digest"), stale.body());
        }

        @Test
        void aRejectionPinsTheVersionAndTheNextDecisionRejects() {
            long a = asset("gated", "cart");
            long id = decide(a, "3.0.0", null).get("id").asLong();
            long pinsBefore = db.count("pin");
            var r = vote(id, "reject", "carol", "breaks checkout");
            assertEquals(201, r.status(), r.body());
            assertEquals("REJECT", r.json().get("vote").asText());
            assertEquals(pinsBefore + 1, db.count("pin"));
            assertEquals(null, pendingFor(a), "a rejected candidate no longer waits");
            JsonNode again = decide(a, "3.0.0", null);
            assertEquals("REJECT", again.get("outcome").asText(), again.toString());
            assertEquals("pinned-version", again.get("decidedBy").asText());
            assertTrue(again.get("reasons").toString().contains("breaks checkout"), again.toString());
            var conflict = vote(again.get("id").asLong(), "approve", "dave", null);
            assertEquals(409, conflict.status(), "only a held decision takes votes");
            assertEquals(404, vote(999_999, "approve", "dave", null).status());
            var tooLong = vote(id, "approve", "dave", "x".repeat(2001));
            assertEquals(400, tooLong.status());
            assertEquals("comment", tooLong.json().get("errors").get(0).get("field").asText());
            assertEquals(1, http.get("/api/v1/audit-events?action=approval.reject&actor=api:carol").json()
                    .get("items").size());
        }

        @Test
        void aVotePastTheDeadlineExpiresIsRecordedAndAnnounced() {
            long a = asset("gated", "mail");
            long id = decide(a, "4.0.1", null).get("id").asLong();
            assertEquals(201, vote(id, "approve", "erin", null).status());
            assertEquals(1, pendingFor(a).get("votes").asInt());
            clock.advance(Duration.ofMinutes(61));
            try {
                JsonNode p = pendingFor(a);
                assertEquals(0, p.get("votes").asInt(), "the vote is older than the scope's 1 h deadline");
                assertTrue(announced.stream().anyMatch(e -> e.type() == NotificationEventType.APPROVAL_EXPIRED
                        && e.summary().contains("api:erin")), announced.toString());
                var expired = http.get("/api/v1/audit-events?action=approval.expire").json().get("items");
                assertEquals(1, expired.size(), expired.toString());
                JsonNode votes = http.get("/api/v1/assets/" + a + "/approvals").json();
                assertFalse(votes.get(0).get("expiredAt").isNull(), votes.toString());
                assertEquals(0, app.services().approvals().expireDue(), "an expired vote expires once");
                assertEquals(400, http.get("/api/v1/approvals?state=done").status());
            } finally {
                clock.advance(Duration.ofMinutes(-61));
            }
        }
    }
}
