package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.app.Application;
import dev.safeupdater.app.Settings;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The policy engine through the real server: status, reload (200 / 422), file watching, readiness, explanations,
 * decisions with history from the store, approvals and dry-run scopes — on H2 and PostgreSQL.
 */
class PolicyApiTest {

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

    /** Scopes without windows or ages, so decisions do not depend on the wall clock. */
    static final String TEST_POLICIES = String.join("\n",
            "scopes:",
            "  - name: gated",
            "    priority: 10",
            "    match: {namespace: gated}",
            "    approvals: {count: 2, deadline: 1h}",
            "  - name: trial",
            "    priority: 10",
            "    match: {namespace: trial}",
            "    allow: minor",
            "    mode: dry-run",
            "  - name: aged",
            "    match: {namespace: aged}",
            "    minReleaseAge: 3650d",
            "  - name: everything",
            "    priority: -1",
            "    failureCooldown: 1h",
            "");

    abstract static class Contract extends DatabaseContract {
        private Path dir;
        private Path rules;
        private Path policies;
        private Application app;
        private Http http;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeEach
        void start() throws IOException {
            dir = Files.createTempDirectory("policy-api");
            rules = Files.createDirectories(dir.resolve("rules"));
            policies = Files.createDirectories(dir.resolve("policies"));
            Files.copy(TestPaths.rules().resolve("default.drl"), rules.resolve("default.drl"));
            Files.writeString(policies.resolve("test.yaml"), TEST_POLICIES);
        }

        private void serve(Application.PolicyStartup startup, Map<String, String> extra) {
            Map<String, String> flags = new HashMap<>();
            flags.put("port", "0");
            flags.put("db.url", db.url());
            flags.put("db.user", db.user());
            flags.put("rules.dir", rules.toString());
            flags.put("policies.dir", policies.toString());
            flags.put("policy.watch", "false");
            flags.putAll(extra);
            Settings settings = Settings.load(flags, Map.of(), dir);
            app = Application.start(settings, Application.services(settings, true, Clock.systemUTC(), startup));
            http = new Http(app.port());
        }

        private void serve() {
            serve(Application.PolicyStartup.REQUIRE, Map.of());
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

        private long asset(String namespace, String name) {
            Http.Response r = http.putJson("/api/v1/assets", "{\"cluster\":\"c1\",\"namespace\":\"" + namespace
                    + "\",\"kind\":\"Deployment\",\"name\":\"" + name + "-" + kind + "\",\"container\":\"app\","
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

        private Http.Response vote(long asset, String tag, String actor) {
            var req = http.request("/api/v1/assets/" + asset + "/approvals").header("Content-Type",
                    "application/json");
            if (actor != null) {
                req.header("X-Actor", actor);
            }
            return http.send(req.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"candidateTag\":\""
                    + tag + "\",\"comment\":\"ok\"}")));
        }

        @Test
        void statusShowsTheActiveSetWithFilesHashesRulesAndScopes() {
            serve();
            JsonNode s = http.get("/api/v1/rules").json();
            JsonNode active = s.get("active");
            assertEquals(64, active.get("rulesetRevision").asText().length());
            assertEquals(active.get("rulesetRevision"), active.get("revision"));
            assertEquals(64, active.get("policyRevision").asText().length());
            assertEquals("default.drl", active.get("files").get(0).get("name").asText());
            assertEquals(64, active.get("files").get(0).get("sha256").asText().length());
            assertEquals("test.yaml", active.get("policyFiles").get(0).get("name").asText());
            assertTrue(active.get("rules").toString().contains("\"approvals-required\""));
            assertEquals("gated", active.get("scopes").get(0).get("name").asText());
            assertEquals("startup", active.get("trigger").asText());
            assertTrue(active.get("constraintJit").asBoolean());
            assertTrue(s.get("lastFailure").isNull());
        }

        @Test
        void reloadRefusesABadSetWith422AndKeepsTheActiveOne() throws Exception {
            serve();
            String before = http.get("/api/v1/rules").json().get("active").get("policyRevision").asText();
            Files.writeString(policies.resolve("broken.yaml"), "scopes:\n  - name: x\n    maintenanceWindows:\n"
                    + "      - Sat 02:00-06:00 Mars/Olympus\n");
            Http.Response refused = http.send(http.request("/api/v1/rules/reload").header("X-Actor", "alice")
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
            assertEquals(422, refused.status(), refused.body());
            assertEquals("application/problem+json", refused.contentType());
            JsonNode problem = refused.json().get("problems").get(0);
            assertEquals("broken.yaml", problem.get("file").asText(), "named as in the policies directory");
            assertEquals(4, problem.get("line").asInt());
            assertEquals(9, problem.get("column").asInt());
            assertTrue(problem.get("message").asText().contains("unknown time zone \"Mars/Olympus\""));
            assertTrue(refused.json().get("detail").asText().contains("broken.yaml:4:9: unknown time zone"));

            JsonNode status = http.get("/api/v1/rules").json();
            assertEquals(before, status.get("active").get("policyRevision").asText(), "the active set is untouched");
            assertEquals("api", status.get("lastFailure").get("trigger").asText());
            assertTrue(status.get("lastFailure").get("errors").get(0).asText().endsWith(
                    "broken.yaml:4:9: unknown time zone \"Mars/Olympus\" (use an IANA name such as Europe/Berlin,"
                            + " America/New_York or UTC)"));

            Files.writeString(policies.resolve("broken.yaml"), "scopes:\n  - name: x\n    maintenanceWindows:\n"
                    + "      - Sat 02:00-06:00 Europe/Berlin\n");
            Http.Response ok = http.send(http.request("/api/v1/rules/reload")
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, ok.status(), ok.body());
            assertNotEquals(before, ok.json().get("active").get("policyRevision").asText());
            assertEquals("api", ok.json().get("active").get("trigger").asText());

            Http.Response m = http.send(http.request("/observe/metrics").header("Accept", "text/plain").GET());
            List<String> info = metric(m.body(), "safe_updater_policy_active_info{");
            assertEquals(1, info.size(), "only the active revisions are shown: " + info);
            assertTrue(info.getFirst().contains("policy_revision=\""
                    + ok.json().get("active").get("policyRevision").asText() + "\""), info.toString());
            assertTrue(info.getFirst().endsWith(" 1.0"), info.toString());
            assertTrue(metric(m.body(), "safe_updater_policy_activations_total{").stream()
                    .anyMatch(l -> l.contains("trigger=\"api\"")), m.body());
            assertTrue(metric(m.body(), "safe_updater_policy_activation_failures_total{").stream()
                    .anyMatch(l -> l.contains("trigger=\"api\"")), m.body());
            assertEquals(List.of("safe_updater_policy_rules 11.0"), metric(m.body(), "safe_updater_policy_rules "),
                    "no scope label");
            assertFalse(m.body().contains("scope=\""), m.body());
        }

        @Test
        void changedFilesAreReloadedByTheWatcher() throws Exception {
            serve(Application.PolicyStartup.REQUIRE, Map.of("policy.watch", "true", "policy.watch-debounce-ms", "100"));
            String before = http.get("/api/v1/rules").json().get("active").get("rulesetRevision").asText();
            Files.writeString(rules.resolve("extra.drl"), "package t;\nimport dev.safeupdater.policy.Scope;\n"
                    + "global dev.safeupdater.policy.Verdict verdict;\n"
                    + "rule \"trial-note\" @owner(\"qa\") when $s : Scope( name == \"trial\" ) then end\n");
            JsonNode active = null;
            for (int i = 0; i < 100; i++) {
                active = http.get("/api/v1/rules").json().get("active");
                if (!active.get("rulesetRevision").asText().equals(before)) {
                    break;
                }
                Thread.sleep(100);
            }
            assertNotEquals(before, active.get("rulesetRevision").asText(), "reloaded within 10 s");
            assertEquals("watcher", active.get("trigger").asText());
            assertTrue(active.get("rules").toString().contains("trial-note"));
            String revision = active.get("rulesetRevision").asText();
            List<Map<String, Object>> byWatcher = List.of();
            for (int i = 0; i < 100 && byWatcher.isEmpty(); i++) {
                byWatcher = audit("ruleset.activate").stream().filter(r -> revision.equals(r.get("resource_id")))
                        .toList();
                Thread.sleep(byWatcher.isEmpty() ? 50 : 0);
            }
            assertEquals(1, byWatcher.size(), "the watcher's activation is audited");
            assertEquals("system:watcher", byWatcher.getFirst().get("actor"));
            assertEquals("watcher", detail(byWatcher.getFirst()).get("trigger").asText());
            assertEquals(before, detail(byWatcher.getFirst()).get("previousRulesetRevision").asText());
        }

        /** The audit events of {@code action} after event {@code since}, oldest first. */
        private List<Map<String, Object>> audit(String action, long since) {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT id, actor, action, resource_type,"
                    + " resource_id, CAST(detail AS VARCHAR(20000)) AS detail FROM audit_event WHERE action = :a"
                    + " AND id > :since ORDER BY id").bind("a", action).bind("since", since).mapToMap().list());
        }

        private List<Map<String, Object>> audit(String action) {
            return audit(action, 0);
        }

        private long lastAuditId() {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT COALESCE(MAX(id), 0) FROM audit_event")
                    .mapTo(Long.class).one());
        }

        /** An audit event's detail as JSON (H2 may hand back the JSON text as a JSON string). */
        private static JsonNode detail(Map<String, Object> row) {
            try {
                JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(row.get("detail").toString());
                return n.isTextual() ? new com.fasterxml.jackson.databind.ObjectMapper().readTree(n.asText()) : n;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private long rulesetEvents() {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_event WHERE"
                    + " resource_type = 'ruleset'").mapTo(Long.class).one());
        }

        private Http.Response reload(String actor) {
            return http.send(http.request("/api/v1/rules/reload").header("X-Actor", actor)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
        }

        private double counter(String name, String label) {
            Http.Response m = http.send(http.request("/observe/metrics").header("Accept", "text/plain").GET());
            return metric(m.body(), name + "{").stream().filter(l -> l.contains(label))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }

        @Test
        void everyActivationAndRefusalIsAuditedAndTheSameFilesAgainAreNoOps() throws Exception {
            long since = lastAuditId();
            serve();
            List<Map<String, Object>> startup = audit("ruleset.activate", since);
            assertEquals(1, startup.size(), "the startup activation is audited once the database is there");
            JsonNode first = http.get("/api/v1/rules").json().get("active");
            assertEquals("system:startup", startup.getFirst().get("actor"));
            assertEquals("ruleset", startup.getFirst().get("resource_type"));
            assertEquals(first.get("rulesetRevision").asText(), startup.getFirst().get("resource_id"));
            assertEquals(first.get("policyRevision").asText(), detail(startup.getFirst()).get("policyRevision").asText());
            assertEquals("startup", detail(startup.getFirst()).get("trigger").asText());

            double activations = counter("safe_updater_policy_activations_total", "trigger=\"api\"");
            double failures = counter("safe_updater_policy_activation_failures_total", "trigger=\"api\"");
            long events = rulesetEvents();
            Http.Response same = reload("alice");
            assertEquals(200, same.status(), same.body());
            assertEquals("startup", same.json().get("active").get("trigger").asText(), "nothing was activated");
            assertEquals(first.get("activatedAt"), same.json().get("active").get("activatedAt"));
            assertEquals(events, rulesetEvents(), "a no-op reload writes no audit event");
            assertEquals(activations, counter("safe_updater_policy_activations_total", "trigger=\"api\""));

            Files.writeString(policies.resolve("broken.yaml"), "scopes:\n  - name: x\n    maintenanceWindows:\n"
                    + "      - Sat 02:00-06:00 Mars/Olympus\n");
            assertEquals(422, reload("alice").status());
            List<Map<String, Object>> refusals = audit("ruleset.refuse", since);
            assertEquals(1, refusals.size());
            assertEquals("api:alice", refusals.getFirst().get("actor"));
            assertEquals(first.get("rulesetRevision").asText(), refusals.getFirst().get("resource_id"),
                    "the rule files it tried");
            JsonNode refusal = detail(refusals.getFirst());
            assertEquals("api", refusal.get("trigger").asText());
            assertEquals(1, refusal.get("errorCount").asInt());
            assertTrue(refusal.get("errors").get(0).asText().startsWith("broken.yaml:4:9: unknown time zone"),
                    refusal.toString());
            assertEquals(first.get("policyRevision").asText(), refusal.get("activePolicyRevision").asText());
            assertEquals(failures + 1, counter("safe_updater_policy_activation_failures_total", "trigger=\"api\""));

            Http.Response again = reload("bob");
            assertEquals(422, again.status(), "the same broken files are refused again");
            assertTrue(again.json().get("detail").asText().contains("broken.yaml:4:9"), again.body());
            assertEquals(1, audit("ruleset.refuse", since).size(), "but that is not a new refusal");
            assertEquals(failures + 1, counter("safe_updater_policy_activation_failures_total", "trigger=\"api\""));

            Files.writeString(policies.resolve("broken.yaml"), "scopes:\n  - name: x\n    maintenanceWindows:\n"
                    + "      - Sat 02:00-06:00 Europe/Berlin\n");
            Http.Response fixed = reload("bob");
            assertEquals(200, fixed.status(), fixed.body());
            List<Map<String, Object>> activated = audit("ruleset.activate", since);
            assertEquals(2, activated.size());
            assertEquals("api:bob", activated.get(1).get("actor"));
            JsonNode d = detail(activated.get(1));
            assertEquals(fixed.json().get("active").get("policyRevision").asText(), d.get("policyRevision").asText());
            assertEquals(first.get("policyRevision").asText(), d.get("previousPolicyRevision").asText());
            assertEquals(activations + 1, counter("safe_updater_policy_activations_total", "trigger=\"api\""));
            assertEquals(200, reload("bob").status());
            assertEquals(2, audit("ruleset.activate", since).size(), "and again: nothing new");
        }

        @Test
        void whatIfEvaluationsAreCountedAndLoggedApartFromDecisions() throws Exception {
            serve();
            for (String outcome : List.of("APPROVE", "HOLD", "REJECT")) {
                Http.Response m = http.send(http.request("/observe/metrics").header("Accept", "text/plain").GET());
                assertTrue(metric(m.body(), "safe_updater_evaluations_total{").stream()
                        .anyMatch(l -> l.contains("outcome=\"" + outcome + "\"")), "present from the start");
                assertTrue(metric(m.body(), "safe_updater_decisions_total{").stream()
                        .anyMatch(l -> l.contains("outcome=\"" + outcome + "\"")), "present from the start");
            }
            double evaluations = counter("safe_updater_evaluations_total", "outcome=\"HOLD\"");
            double decisions = counter("safe_updater_decisions_total", "outcome=\"HOLD\"");
            ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                    .getLogger("safeupdater");
            ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                    new ch.qos.logback.core.read.ListAppender<>();
            logs.start();
            logger.addAppender(logs);
            ch.qos.logback.classic.Level level = logger.getLevel();
            logger.setLevel(ch.qos.logback.classic.Level.INFO); // as serve logs (one-shot commands in this JVM lower it)
            try {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, http.postJson("/api/v1/evaluate", "{\"namespace\":\"aged\",\"image\":"
                            + "\"ghcr.io/acme/web\",\"currentTag\":\"1.0.0\",\"candidateTag\":\"1.0.1\"}").status());
                }
                assertEquals(evaluations + 3, counter("safe_updater_evaluations_total", "outcome=\"HOLD\""));
                assertEquals(decisions, counter("safe_updater_decisions_total", "outcome=\"HOLD\""),
                        "what-ifs are not decisions");
                assertTrue(logs.list.stream().noneMatch(e -> e.getLevel().isGreaterOrEqual(
                        ch.qos.logback.classic.Level.INFO) && e.getFormattedMessage().contains("1.0.1")),
                        "no INFO line for a what-if");

                long id = asset("aged", "store");
                assertEquals("HOLD", decide(id, "1.0.1").get("outcome").asText());
                assertEquals(decisions + 1, counter("safe_updater_decisions_total", "outcome=\"HOLD\""));
                assertEquals(evaluations + 3, counter("safe_updater_evaluations_total", "outcome=\"HOLD\""));
                assertEquals(1, logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO
                        && e.getLoggerName().equals("safeupdater.decisions")).count(), "one INFO line per decision");
            } finally {
                logger.detachAppender(logs);
                logger.setLevel(level);
            }
        }

        @Test
        void readinessIsDownUntilASetIsActive() throws Exception {
            Files.writeString(rules.resolve("default.drl"), "package t;\nrule \"broken\" when then\n");
            serve(Application.PolicyStartup.TRY, Map.of());
            assertEquals(503, http.get("/observe/health/ready").status());
            JsonNode status = http.get("/api/v1/rules").json();
            assertTrue(status.get("active").isNull());
            assertEquals("startup", status.get("lastFailure").get("trigger").asText());
            Http.Response evaluate = http.postJson("/api/v1/evaluate",
                    "{\"image\":\"nginx\",\"currentTag\":\"1.0.0\",\"candidateTag\":\"1.0.1\"}");
            assertEquals(503, evaluate.status(), "no decisions without an active set");

            Files.copy(TestPaths.rules().resolve("default.drl"), rules.resolve("default.drl"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals(200, http.send(http.request("/api/v1/rules/reload")
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())).status());
            assertEquals(200, http.get("/observe/health/ready").status());
        }

        @Test
        void evaluateExplainsTheOutcome() {
            serve();
            Http.Response r = http.postJson("/api/v1/evaluate", "{\"cluster\":\"c1\",\"namespace\":\"aged\","
                    + "\"kind\":\"Deployment\",\"name\":\"web\",\"image\":\"ghcr.io/acme/web\",\"currentTag\":\"1.0.0\","
                    + "\"candidateTag\":\"1.0.1\",\"releaseTime\":\"2026-03-01T00:00:00Z\","
                    + "\"at\":\"2026-03-10T00:00:00Z\",\"history\":{\"pins\":[{\"tag\":\"9.9.9\"}]}}");
            assertEquals(200, r.status(), r.body());
            JsonNode e = r.json();
            assertEquals("HOLD", e.get("outcome").asText());
            assertEquals("release-too-young", e.get("decidedBy").asText());
            assertTrue(e.get("reasons").get(0).asText().contains("old enough at 2036-02-27T00:00:00Z"),
                    e.get("reasons").toString());
            assertEquals("aged", e.get("scope").get("name").asText());
            assertEquals("namespace \"aged\" matches \"aged\"", e.get("scope").get("because").get(0).asText());
            assertEquals("everything (priority -1, test.yaml:14)", e.get("scope").get("alsoMatched").get(0).asText());
            assertEquals("test.yaml", e.get("scope").get("file").asText());
            assertEquals("3650d", e.get("scope").get("settings").get("minReleaseAge").asText());
            assertEquals(2, e.get("firedRules").size());
            JsonNode young = e.get("firedRules").get(1);
            assertEquals("release-too-young", young.get("name").asText());
            assertEquals("platform-team", young.get("metadata").get("owner").asText());
            assertEquals("2026-03-10T00:00:00Z", e.get("evaluatedAt").asText());
            assertEquals("PATCH", e.get("changeType").asText());
            assertEquals("ENFORCE", e.get("mode").asText());
            assertEquals("9.9.9", e.get("history").get("pins").get(0).get("tag").asText());

            Http.Response bad = http.postJson("/api/v1/evaluate", "{\"image\":\"nginx\",\"currentTag\":\"1.0.0\","
                    + "\"candidateTag\":\"1.0.1\",\"releaseTimeSource\":\"gossip\","
                    + "\"history\":{\"failures\":[{\"state\":\"EXPLODED\",\"at\":\"2026-03-01T00:00:00Z\"}]}}");
            assertEquals(400, bad.status());
            assertEquals(List.of("releaseTimeSource", "history.failures[0].state"),
                    fields(bad.json().get("errors")));
        }

        private static List<String> metric(String text, String prefix) {
            return text.lines().filter(l -> l.startsWith(prefix)).toList();
        }

        private static List<String> fields(JsonNode errors) {
            List<String> out = new ArrayList<>();
            errors.forEach(e -> out.add(e.get("field").asText()));
            return out;
        }

        @Test
        void approvalsHoldAnUpdateUntilEnoughPeopleVote() {
            serve();
            long id = asset("gated", "pay");
            JsonNode held = decide(id, "1.0.1");
            assertEquals("HOLD", held.get("outcome").asText());
            assertEquals("approvals-required", held.get("decidedBy").asText());
            assertTrue(held.get("reasons").get(0).asText().startsWith("waiting for approvals: 0 of 2 for 1.0.1"));

            assertEquals(400, vote(id, "1.0.1", null).status(), "anonymous votes are refused");
            assertEquals(404, vote(999_999, "1.0.1", "alice").status());
            Http.Response alice = vote(id, "1.0.1", "alice");
            assertEquals(201, alice.status(), alice.body());
            assertEquals("api:alice", alice.json().get("approver").asText());
            assertEquals(held.get("id").asLong(), alice.json().get("decisionId").asLong());
            assertEquals(201, vote(id, "1.0.1", "alice").status(), "voting twice renews, it does not count twice");
            assertEquals("HOLD", decide(id, "1.0.1").get("outcome").asText());
            assertEquals(201, vote(id, "1.0.1", "bob").status());
            JsonNode approved = decide(id, "1.0.1");
            assertEquals("APPROVE", approved.get("outcome").asText(), approved.toString());
            assertEquals(2, approved.get("inputs").get("history").get("approvals").size());

            JsonNode votes = http.get("/api/v1/assets/" + id + "/approvals?candidateTag=1.0.1").json();
            assertEquals(2, votes.size());
            long bobVote = votes.get(0).get("id").asLong();
            Http.Response revoke = http.send(http.request("/api/v1/assets/" + id + "/approvals/" + bobVote)
                    .header("X-Actor", "bob").DELETE());
            assertEquals(200, revoke.status(), revoke.body());
            assertTrue(revoke.json().hasNonNull("revokedAt"));
            assertEquals("HOLD", decide(id, "1.0.1").get("outcome").asText(), "a revoked vote no longer counts");
        }

        @Test
        void aDecisionRecordsEverythingAndGetReturnsIt() {
            serve();
            long id = asset("trial", "edge");
            JsonNode d = decide(id, "1.1.0");
            assertEquals("DRY_RUN", d.get("mode").asText(), "a dry-run scope's decisions are marked");
            JsonNode got = http.get("/api/v1/decisions/" + d.get("id").asLong()).json();
            assertEquals("APPROVE", got.get("outcome").asText());
            assertEquals("change-within-allow", got.get("decidedBy").asText());
            assertEquals("trial", got.get("scope").asText());
            assertEquals("DRY_RUN", got.get("mode").asText());
            assertEquals("api:scanner", got.get("actor").asText());
            assertEquals(64, got.get("rulesetRevision").asText().length());
            assertEquals(64, got.get("policyRevision").asText().length());
            assertEquals("MINOR", got.get("changeType").asText());
            assertEquals("platform-team", got.get("firedRules").get(0).get("metadata").get("owner").asText());
            JsonNode inputs = got.get("inputs");
            assertEquals("ghcr.io/acme/edge", inputs.get("candidate").get("image").asText());
            assertEquals("trial", inputs.get("scope").get("name").asText());
            assertEquals("namespace \"trial\" matches \"trial\"", inputs.get("scope").get("because").get(0).asText());
            assertTrue(inputs.get("history").get("failures").isArray());
            assertTrue(inputs.hasNonNull("evaluatedAt"));
            assertTrue(got.hasNonNull("decidedAt"));

            JsonNode dry = http.get("/api/v1/decisions?asset=" + id + "&mode=dry-run").json();
            assertEquals(1, dry.get("items").size());
            assertEquals(0, http.get("/api/v1/decisions?asset=" + id + "&mode=ENFORCE").json().get("items").size());
            assertEquals(400, http.get("/api/v1/decisions?mode=sometimes").status());
        }

        @Test
        void decisionsSeePinsFailuresAndReleaseTimesFromTheStore() {
            serve();
            long id = asset("default-ns", "api");
            long first = decide(id, "1.0.1").get("id").asLong();
            Instant now = Instant.now();
            db.database().jdbi().useHandle(h -> {
                h.createUpdate("INSERT INTO pin (asset_id, tag, reason, created_by, created_at) VALUES (:a, '1.0.2',"
                        + " 'rolled back: 500s', 'rollback', :t)").bind("a", id)
                        .bind("t", now.atOffset(ZoneOffset.UTC)).execute();
                h.createUpdate("INSERT INTO update_run (asset_id, decision_id, from_tag, to_tag, state, created_at,"
                        + " updated_at, finished_at) VALUES (:a, :d, '1.0.0', '1.0.2', 'ROLLED_BACK', :t, :t, :t)")
                        .bind("a", id).bind("d", first).bind("t", now.minusSeconds(600).atOffset(ZoneOffset.UTC))
                        .execute();
            });
            JsonNode pinned = decide(id, "1.0.2");
            assertEquals("REJECT", pinned.get("outcome").asText());
            assertEquals("pinned-version", pinned.get("decidedBy").asText());
            assertEquals(List.of("change-within-allow", "pinned-version", "recent-failure"),
                    names(pinned.get("firedRules")));
            JsonNode other = decide(id, "1.0.3");
            assertEquals("recent-failure", other.get("decidedBy").asText(), "the whole asset waits after a rollback");

            long aged = asset("aged", "registry");
            db.database().jdbi().useHandle(h -> h.createUpdate("INSERT INTO image_tag (image, tag, release_time,"
                    + " release_time_source, first_seen) VALUES ('ghcr.io/acme/registry', '1.0.1',"
                    + " :t, 'IMAGE_CONFIG', :t)").bind("t", now.minusSeconds(3600).atOffset(ZoneOffset.UTC))
                    .execute());
            JsonNode young = decide(aged, "1.0.1");
            assertEquals("release-too-young", young.get("decidedBy").asText());
            assertEquals("IMAGE_CONFIG", young.get("inputs").get("candidate").get("releaseTimeSource").asText());
            assertTrue(young.get("reasons").get(0).asText().contains(" was released at "), young.toString());

            // an asset naming a Docker Hub image the short way finds the time recorded under the canonical name
            Http.Response hub = http.putJson("/api/v1/assets", "{\"cluster\":\"c1\",\"namespace\":\"registry\","
                    + "\"kind\":\"Deployment\",\"name\":\"hub-" + kind + "\",\"container\":\"app\","
                    + "\"image\":\"redis\",\"currentTag\":\"1.0.0\"}");
            assertEquals(201, hub.status(), hub.body());
            db.database().jdbi().useHandle(h -> h.createUpdate("INSERT INTO image_tag (image, tag, release_time,"
                    + " release_time_source, first_seen) VALUES ('docker.io/library/redis', '1.0.1',"
                    + " :t, 'IMAGE_CONFIG', :t)").bind("t", now.minusSeconds(3600).atOffset(ZoneOffset.UTC))
                    .execute());
            JsonNode hubCandidate = decide(hub.json().get("id").asLong(), "1.0.1").get("inputs").get("candidate");
            assertEquals("IMAGE_CONFIG", hubCandidate.get("releaseTimeSource").asText(), hubCandidate.toString());
            assertEquals(now.minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    Instant.parse(hubCandidate.get("releaseTime").asText()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        }

        private static List<String> names(JsonNode fired) {
            List<String> out = new ArrayList<>();
            fired.forEach(f -> out.add(f.get("name").asText()));
            out.sort(null);
            return out;
        }
    }
}
