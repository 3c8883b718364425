package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.app.Application;
import dev.safeupdater.app.Settings;
import dev.safeupdater.notify.WebhookClient;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import dev.safeupdater.testing.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Webhook notifications through the real server, delivered to local receivers (JDK HTTP servers on 127.0.0.1): an
 * update held for approval, rule sets refused by the API and by the file watcher, a receiver that answers 500, one
 * that times out, one that blocks, a restart with deliveries still queued, and the deliveries API — on H2 and
 * PostgreSQL.
 */
class NotificationsApiTest {

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
            "  - name: gated-trial",
            "    priority: 10",
            "    match: {namespace: gated-trial}",
            "    approvals: {count: 1, deadline: 1h}",
            "    mode: dry-run",
            "  - name: everything",
            "    priority: -1",
            "");
    private static final Duration WAIT = Duration.ofSeconds(20);

    abstract static class Contract extends DatabaseContract {
        private Path dir;
        private Path rules;
        private Path notifications;
        private Application app;
        private Http http;
        private final String run = UUID.randomUUID().toString().substring(0, 8);

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeEach
        void files() throws IOException {
            dir = Files.createTempDirectory("notifications-api");
            rules = Files.createDirectories(dir.resolve("rules"));
            Path policies = Files.createDirectories(dir.resolve("policies"));
            Files.copy(TestPaths.rules().resolve("default.drl"), rules.resolve("default.drl"));
            Files.writeString(policies.resolve("test.yaml"), POLICIES);
            notifications = dir.resolve("notifications.yaml");
        }

        private void serve(String notificationsYaml, Map<String, String> extra) throws IOException {
            Files.writeString(notifications, notificationsYaml);
            Map<String, String> flags = new HashMap<>();
            flags.put("port", "0");
            flags.put("db.url", db.url());
            flags.put("db.user", db.user());
            flags.put("rules.dir", rules.toString());
            flags.put("policies.dir", dir.resolve("policies").toString());
            flags.put("policy.watch", "false");
            flags.put("notifications.file", notifications.toString());
            flags.put("notifications.backoff-ms", "50");
            flags.put("notifications.timeout-ms", "5000"); // generous: the machine may be busy
            flags.put("notifications.max-attempts", "3");
            flags.putAll(extra);
            Settings settings = Settings.load(flags, Map.of(), dir);
            app = Application.start(settings, Application.services(settings, true, Clock.systemUTC()));
            http = new Http(app.port());
        }

        @AfterEach
        void stop() throws IOException {
            if (app != null) {
                app.close();
                app = null;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        /** A notifications file with one receiver, routed globally or for one scope. */
        private static String oneReceiver(String name, String url, String extra, String route) {
            return "receivers:\n  " + name + ": {url: '" + url + "'" + extra + "}\n" + route + "\n";
        }

        private long asset(String namespace, String name) {
            Http.Response r = http.putJson("/api/v1/assets", "{\"namespace\":\"" + namespace
                    + "\",\"kind\":\"Deployment\",\"name\":\"" + name + "\",\"container\":\"app\","
                    + "\"image\":\"ghcr.io/acme/" + name + "\",\"currentTag\":\"1.0.0\"}");
            assertTrue(r.status() == 201 || r.status() == 200, r.body());
            return r.json().get("id").asLong();
        }

        private JsonNode decide(long asset, String tag) {
            // decide accepts only tags in the registry's recorded listing of the asset's image
            String image = http.get("/api/v1/assets/" + asset).json().get("image").asText();
            dev.safeupdater.testing.Listings.record(db.database(),
                    dev.safeupdater.execution.TagService.storageName(image), tag);
            Http.Response r = http.send(http.request("/api/v1/assets/" + asset + "/decide")
                    .header("Content-Type", "application/json").header("X-Actor", "scanner")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"candidateTag\":\"" + tag + "\"}")));
            assertEquals(201, r.status(), r.body());
            return r.json();
        }

        private Http.Response reload() {
            return http.send(http.request("/api/v1/rules/reload").header("X-Actor", "alice")
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        }

        /** A rule file that does not compile; {@code token} makes its errors (and so the event) unique. */
        private void breakRules(String token) throws IOException {
            Files.writeString(rules.resolve("broken-" + token + ".drl"),
                    "package test.rules;\nrule \"broken-" + token + "\"\nwhen\n  $c : NoSuchFact( )\nthen\nend\n");
        }

        private JsonNode deliveries(String query) {
            Http.Response r = http.get("/api/v1/notifications/deliveries?" + query);
            assertEquals(200, r.status(), r.body());
            return r.json();
        }

        private JsonNode awaitDelivery(String receiver, String status) {
            JsonNode[] found = new JsonNode[1];
            await(() -> {
                JsonNode items = deliveries("receiver=" + receiver).get("items");
                found[0] = items.isEmpty() ? null : items.get(0);
                return found[0] != null && found[0].get("status").asText().equals(status);
            }, receiver + " " + status);
            return found[0];
        }

        private static void await(BooleanSupplier condition, String what) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for " + what);
                }
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }

        @Test
        void anUpdateHeldForApprovalIsAnnouncedOnceSignedWithItsDecision() throws IOException {
            String secret = "hmac-" + run;
            try (WebhookReceiver team = WebhookReceiver.answering(200)) {
                String name = "team-" + run;
                serve(oneReceiver(name, team.url("/hooks/T0/B0/PATHTOKEN"), ", secret: " + secret,
                        "scopes:\n  gated:\n    - {receiver: " + name + ", events: [update-held]}"), Map.of());
                long id = asset("gated", "pay-" + run);
                JsonNode held = decide(id, "1.0.1");
                assertEquals("HOLD", held.get("outcome").asText());

                WebhookReceiver.Request req = team.next(WAIT);
                JsonNode body = req.json();
                assertEquals("update-held", body.get("type").asText());
                assertEquals(held.get("id").asLong(), body.get("decisionId").asLong());
                assertEquals("gated", body.get("scope").asText());
                assertEquals(id, body.get("asset").get("id").asLong());
                assertEquals("gated", body.get("asset").get("namespace").asText());
                assertEquals("1.0.0", body.get("fromTag").asText());
                assertEquals("1.0.1", body.get("toTag").asText());
                assertEquals("PATCH", body.get("changeType").asText());
                assertEquals(0, body.get("details").get("votes").asInt());
                assertEquals(2, body.get("details").get("votesNeeded").asInt());
                assertTrue(body.get("reasons").get(0).asText().startsWith("waiting for approvals: 0 of 2"),
                        body.toString());
                String ts = req.header(WebhookClient.TIMESTAMP_HEADER);
                assertEquals(WebhookClient.signature(secret, ts, req.body()),
                        req.header(WebhookClient.SIGNATURE_HEADER));
                assertEquals("update-held", req.header(WebhookClient.EVENT_HEADER));

                // decided again (as every cycle would): still held, not announced again
                assertEquals("HOLD", decide(id, "1.0.1").get("outcome").asText());
                // a scope without approvals, and a dry-run scope with approvals: nobody needs to approve
                decide(asset("plain", "web-" + run), "2.0.0");
                decide(asset("gated-trial", "try-" + run), "1.0.1");
                assertNull(team.poll(Duration.ofMillis(500)), "nothing else is announced");

                JsonNode delivery = awaitDelivery(name, "DELIVERED");
                assertEquals(1, deliveries("receiver=" + name).get("items").size());
                assertEquals(1, delivery.get("attempts").asInt());
                assertEquals(200, delivery.get("lastStatusCode").asInt());
                assertEquals("update-held", delivery.get("event").asText());
                assertEquals(held.get("id").asLong(), delivery.get("decisionId").asLong());
                assertEquals("json", delivery.get("format").asText());
                assertEquals(team.url("/…"), delivery.get("target").asText());
                JsonNode detail = http.get("/api/v1/notifications/deliveries/" + delivery.get("id").asLong()).json();
                assertEquals("update-held", detail.get("payload").get("type").asText());
                assertEquals(1, detail.get("attempts").size());
                assertEquals("DELIVERED", detail.get("attempts").get(0).get("outcome").asText());
                assertEquals(200, detail.get("attempts").get(0).get("statusCode").asInt());

                String everything = http.get("/api/v1/notifications").body()
                        + http.get("/api/v1/notifications/deliveries?limit=500").body() + detail;
                assertFalse(everything.contains(secret));
                assertFalse(everything.contains("PATHTOKEN"));
            }
        }

        @Test
        void aReceiverAnswering500IsRetriedWithBackoffThenGivenUpAndEveryAttemptIsRecorded() throws IOException {
            ListAppender<ILoggingEvent> logs = new ListAppender<>();
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            logs.start();
            root.addAppender(logs);
            String secret = "logsecret" + run;
            try (WebhookReceiver broken = WebhookReceiver.start(n -> new WebhookReceiver.Answer(500, Duration.ZERO,
                    "database on fire", Map.of()))) {
                String name = "ops500-" + run;
                serve(oneReceiver(name, broken.url("/services/LOGPATHTOKEN"), ", secret: " + secret,
                        "global:\n  - {receiver: " + name + ", events: [ruleset-refused]}"), Map.of());
                breakRules("f500" + run);
                assertEquals(422, reload().status());

                JsonNode delivery = awaitDelivery(name, "FAILED");
                assertEquals(3, delivery.get("attempts").asInt());
                assertEquals(500, delivery.get("lastStatusCode").asInt());
                assertEquals("HTTP 500: database on fire", delivery.get("lastError").asText());
                assertTrue(delivery.get("nextAttemptAt").isNull());
                JsonNode attempts = http.get("/api/v1/notifications/deliveries/" + delivery.get("id").asLong()).json()
                        .get("attempts");
                assertEquals("RETRY,RETRY,FAILED", Stream.of(0, 1, 2).map(i -> attempts.get(i).get("outcome")
                        .asText()).collect(Collectors.joining(",")));
                for (JsonNode a : attempts) {
                    assertEquals(500, a.get("statusCode").asInt());
                }
                assertEquals(3, broken.count());
                // backoff: the third attempt came at least 50 + 100 ms after the first
                long first = java.time.Instant.parse(attempts.get(0).get("startedAt").asText()).toEpochMilli();
                long third = java.time.Instant.parse(attempts.get(2).get("startedAt").asText()).toEpochMilli();
                assertTrue(third - first >= 150, (third - first) + " ms");
                JsonNode payload = broken.next(WAIT).json();
                assertEquals("ruleset-refused", payload.get("type").asText());
                assertEquals("api", payload.get("details").get("trigger").asText());
                assertTrue(payload.get("reasons").get(0).asText().matches("(?s).*broken-f500" + run
                        + "\\.drl:\\d+:\\d+: .*"), payload.toString());
            } finally {
                root.detachAppender(logs);
            }
            String text = logs.list.stream().map(e -> e.getFormattedMessage() + " " + e.getKeyValuePairs())
                    .collect(Collectors.joining("\n"));
            assertTrue(text.contains("notification_attempt"), "attempts are logged");
            assertFalse(text.contains(secret), "the secret is never logged");
            assertFalse(text.contains("LOGPATHTOKEN"), "the URL path is never logged");
        }

        @Test
        void aReceiverThatTimesOutIsCutOffAndTriedAgain() throws IOException {
            try (WebhookReceiver slow = WebhookReceiver.start(n -> n == 1
                    ? WebhookReceiver.Answer.slow(200, Duration.ofSeconds(30)) : WebhookReceiver.Answer.status(202))) {
                String name = "slow-" + run;
                serve(oneReceiver(name, slow.url("/hook"), ", format: slack",
                        "global:\n  - {receiver: " + name + ", events: all}"), Map.of("notifications.timeout-ms",
                        "1500"));
                breakRules("slow" + run);
                assertEquals(422, reload().status());
                JsonNode delivery = awaitDelivery(name, "DELIVERED");
                assertEquals(2, delivery.get("attempts").asInt());
                JsonNode attempts = http.get("/api/v1/notifications/deliveries/" + delivery.get("id").asLong()).json()
                        .get("attempts");
                assertEquals("RETRY", attempts.get(0).get("outcome").asText());
                assertTrue(attempts.get(0).get("statusCode").isNull());
                assertEquals("timed out after 1500 ms", attempts.get(0).get("error").asText());
                assertEquals(202, attempts.get(1).get("statusCode").asInt());
                assertTrue(slow.next(WAIT).json().get("text").asText().startsWith("*Rule set refused*: "));
            }
        }

        @Test
        void aReceiverThatHangsNeverHoldsUpTheReload() throws IOException, InterruptedException {
            CountDownLatch release = new CountDownLatch(1);
            try (WebhookReceiver hanging = WebhookReceiver.start(n -> {
                try {
                    release.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return WebhookReceiver.Answer.status(200);
            })) {
                String name = "hang-" + run;
                // an attempt may take 5 minutes: had the reload waited for the receiver, the test client would
                // have given up after 30 s (Http) instead of getting the 422
                serve(oneReceiver(name, hanging.url("/hook"), "", "global:\n  - {receiver: " + name
                        + ", events: [ruleset-refused]}"), Map.of("notifications.timeout-ms", "300000"));
                breakRules("hang" + run);
                assertEquals(422, reload().status());
                await(() -> hanging.count() == 1, "the receiver to be called");
                assertEquals(1, release.getCount(), "the receiver still has not answered");
                assertEquals("PENDING", deliveries("receiver=" + name).get("items").get(0).get("status").asText());
                release.countDown();
                awaitDelivery(name, "DELIVERED");
            } finally {
                release.countDown();
            }
        }

        @Test
        void aRuleSetRefusedByTheFileWatcherIsAnnounced() throws IOException {
            try (WebhookReceiver ops = WebhookReceiver.answering(200)) {
                String name = "watch-" + run;
                serve(oneReceiver(name, ops.url("/"), "", "global:\n  - {receiver: " + name
                        + ", events: [ruleset-refused, cycle-failing]}"), Map.of("policy.watch", "true",
                        "policy.watch-debounce-ms", "50"));
                breakRules("watch" + run);
                JsonNode body = ops.next(WAIT).json();
                assertEquals("ruleset-refused", body.get("type").asText());
                assertEquals("watcher", body.get("details").get("trigger").asText());
                assertTrue(body.get("summary").asText().contains("keeps deciding"), body.toString());
            }
        }

        @Test
        void queuedDeliveriesSurviveARestartAndFollowTheReceiverByName() throws IOException {
            String name = "later-" + run;
            String route = "global:\n  - {receiver: " + name + ", events: [ruleset-refused]}";
            try (WebhookReceiver down = WebhookReceiver.answering(503)) {
                serve(oneReceiver(name, down.url("/hook"), "", route), Map.of("notifications.max-attempts", "20",
                        "notifications.backoff-ms", "300"));
                breakRules("restart" + run);
                assertEquals(422, reload().status());
                await(() -> down.count() >= 1, "a first attempt");
                app.close();
                app = null;
            }
            try (WebhookReceiver up = WebhookReceiver.answering(200)) {
                // the receiver moved: the queued delivery goes to its new URL, found by name
                serve(oneReceiver(name, up.url("/hook"), "", route), Map.of("rules.dir",
                        TestPaths.rules().toString()));
                JsonNode delivery = awaitDelivery(name, "DELIVERED");
                assertTrue(delivery.get("attempts").asInt() >= 2, delivery.toString());
                assertEquals("ruleset-refused", up.next(WAIT).json().get("type").asText());
            }
        }

        @Test
        void theApiListsFiltersAndPagesDeliveriesAndRefusesBadInput() throws IOException {
            try (WebhookReceiver a = WebhookReceiver.answering(200); WebhookReceiver b = WebhookReceiver.answering(410)) {
                String ok = "page-ok-" + run;
                String gone = "page-gone-" + run;
                serve("receivers:\n  " + ok + ": {url: '" + a.url("/a") + "'}\n  " + gone + ": {url: '"
                        + b.url("/b/SECRETPATH") + "', secret: topsecret" + run + "}\n"
                        + "global:\n  - {receiver: " + ok + ", events: all}\n  - {receiver: " + gone
                        + ", events: [ruleset-refused]}\nscopes:\n  nowhere-*:\n    - {receiver: " + ok
                        + ", events: all}\n", Map.of());
                for (String token : new String[] {"p1", "p2"}) {
                    breakRules(token + run);
                    assertEquals(422, reload().status());
                }
                awaitDelivery(gone, "FAILED");
                await(() -> deliveries("receiver=" + ok + "&status=DELIVERED").get("items").size() == 2, "two");
                JsonNode failed = deliveries("receiver=" + gone).get("items").get(0);
                assertEquals(1, failed.get("attempts").asInt(), "410 is final: no retry");
                assertEquals(410, failed.get("lastStatusCode").asInt());

                JsonNode page1 = deliveries("receiver=" + ok + "&limit=1");
                assertEquals(1, page1.get("items").size());
                String cursor = page1.get("nextCursor").asText();
                JsonNode page2 = deliveries("receiver=" + ok + "&limit=1&cursor=" + cursor);
                assertEquals(1, page2.get("items").size());
                assertTrue(page2.get("items").get(0).get("id").asLong() < page1.get("items").get(0).get("id").asLong());
                assertTrue(page2.get("nextCursor").isNull());
                assertEquals(0, deliveries("receiver=" + ok + "&event=update-held").get("items").size());
                assertEquals(2, deliveries("receiver=" + ok + "&event=ruleset-refused&status=delivered")
                        .get("items").size());
                assertEquals(0, deliveries("receiver=" + ok + "&from=2999-01-01T00:00:00Z").get("items").size());

                for (String bad : new String[] {"status=bogus", "event=nope", "cursor=garbage", "limit=0",
                        "from=yesterday", "asset=x"}) {
                    Http.Response r = http.get("/api/v1/notifications/deliveries?" + bad);
                    assertEquals(400, r.status(), bad + ": " + r.body());
                    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
                    assertEquals(bad.substring(0, bad.indexOf('=')), r.json().get("errors").get(0).get("field")
                            .asText());
                }
                assertEquals(404, http.get("/api/v1/notifications/deliveries/99999999").status());
                assertEquals(400, http.get("/api/v1/notifications/deliveries/abc").status());

                JsonNode overview = http.get("/api/v1/notifications").json();
                assertEquals(2, overview.get("receivers").size());
                JsonNode goneView = overview.get("receivers").get(1);
                assertEquals(gone, goneView.get("name").asText());
                assertTrue(goneView.get("signed").asBoolean());
                assertEquals(b.url("/…"), goneView.get("target").asText());
                assertEquals("nowhere-*", overview.get("unmatchedScopes").get(0).asText());
                assertTrue(overview.get("workerRunning").asBoolean());
                assertEquals(3, overview.get("delivery").get("maxAttempts").asInt());
                assertTrue(overview.get("deliveries").get("DELIVERED").asLong() >= 2);
                assertFalse(overview.toString().contains("topsecret"));
                assertFalse(overview.toString().contains("SECRETPATH"));
            }
        }

        @Test
        void aBadNotificationsFileRefusesToStartWithItsPosition() throws IOException {
            Files.writeString(notifications, "receivers:\n  x: {url: 'https://h.example.com', sekret: 1}\n");
            Settings settings = Settings.load(Map.of("port", "0", "db.url", db.url(), "db.user", db.user(),
                    "rules.dir", rules.toString(), "policies.dir", dir.resolve("policies").toString(),
                    "notifications.file", notifications.toString()), Map.of(), dir);
            Application.StartupException e = assertThrows(Application.StartupException.class,
                    () -> Application.services(settings, true, Clock.systemUTC()));
            assertTrue(e.getMessage().contains(notifications + ":2:37: unknown key \"sekret\""), e.getMessage());
        }
    }
}
