package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.safeupdater.model.Approval;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.NotificationDelivery;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * History stays history. On PostgreSQL (migration V12): the application role cannot UPDATE, DELETE or TRUNCATE the
 * history tables (approval votes too, by V16), a trigger refuses those statements for every role but the migration owner even when privileges
 * were granted, the auditor role only reads, and the owner can still migrate. H2 has no roles or triggers of this
 * kind: there the guarantee is that no product code path writes such a statement, checked here over the sources.
 */
class AppendOnlyHistoryTest {
    static final List<String> HISTORY = List.of("decision", "run_event", "audit_event", "asset_version",
            "notification_event", "notification_attempt", "approval_vote", "approval");
    /** History tables other tables refer to by foreign key. */
    static final List<String> REFERENCED = List.of("decision", "notification_event");

    /** The weaker guarantee every database gets, H2 included: no product SQL updates, deletes or truncates history. */
    @Test
    void noProductCodeRewritesHistory() throws IOException {
        Pattern forbidden = Pattern.compile("(?i)(UPDATE\\s+|DELETE\\s+FROM\\s+|TRUNCATE\\s+(TABLE\\s+)?)("
                + String.join("|", HISTORY) + ")\\b");
        int files = 0;
        try (Stream<Path> walk = Files.walk(TestPaths.repoRoot().resolve("server/src/main/java"))) {
            for (Path p : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                var m = forbidden.matcher(Files.readString(p));
                assertFalse(m.find(), () -> p + " rewrites history: " + m.group());
            }
        }
        assertTrue(files > 100, "read " + files + " source files");
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnPostgres {
        private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        private final String app = "su_t_app_" + suffix;
        private final String auditor = "su_t_aud_" + suffix;
        private final String writer = "su_t_wr_" + suffix;
        private final Instant now = Instant.parse("2026-03-10T12:00:00Z");
        private TestDatabase db;
        private long decisionId;

        @BeforeAll
        void setUp() throws SQLException {
            db = TestDatabase.postgres();
            try (Connection c = owner(); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + app + " LOGIN IN ROLE safe_updater_app");
                s.execute("CREATE ROLE " + auditor + " LOGIN IN ROLE safe_updater_auditor");
                // a role that was (wrongly) granted everything on the history tables: only the trigger stops it
                s.execute("CREATE ROLE " + writer + " LOGIN");
                s.execute("GRANT USAGE ON SCHEMA " + schema() + " TO " + writer);
                s.execute("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON " + String.join(", ", HISTORY) + " TO "
                        + writer);
            }
            Clock clock = Clock.fixed(now, ZoneOffset.UTC);
            AssetStore assets = new AssetStore(db.database(), clock);
            long assetId = assets.upsert(new AssetKey("static", "", "shop", "Deployment", "web", "app"),
                    "ghcr.io/acme/web", "1.0.0", null, Map.of(), Map.of(), "owner").asset().id();
            decisionId = new DecisionStore(db.database()).append(decision(assetId)).id();
        }

        @AfterAll
        void tearDown() throws SQLException {
            try (Connection c = owner(); Statement s = c.createStatement()) {
                for (String role : List.of(app, auditor, writer)) {
                    s.execute("DROP OWNED BY " + role);
                    s.execute("DROP ROLE " + role);
                }
            } finally {
                db.close();
            }
        }

        private Decision decision(long assetId) {
            return new Decision(0, assetId, "1.0.0", "1.0.1", null, null, ChangeType.PATCH, Outcome.APPROVE,
                    List.of("patch"), List.of(), "patch-approve", "rev", "prev", "everything", "ENFORCE", Map.of(),
                    "test", now);
        }

        private String schema() {
            return db.url().replaceAll(".*currentSchema=", "");
        }

        private Connection owner() throws SQLException {
            return DriverManager.getConnection(db.url(), db.user(), "");
        }

        private Connection as(String role) throws SQLException {
            return DriverManager.getConnection(db.url(), role, "");
        }

        private static SQLException refused(Connection c, String sql) {
            return assertThrows(SQLException.class, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute(sql);
                }
            }, sql);
        }

        @Test
        void theServerRunsAsTheAppRole() {
            Database asApp = Database.open(db.url(), app, "", 2);
            try {
                assertEquals(0, asApp.migrate(), "nothing pending, and the app role may check that");
                Clock clock = Clock.fixed(now, ZoneOffset.UTC);
                long assetId = new AssetStore(asApp, clock).upsert(new AssetKey("static", "", "shop", "Deployment",
                        "api", "app"), "ghcr.io/acme/api", "2.0.0", null, Map.of(), Map.of(), "app").asset().id();
                Decision d = new DecisionStore(asApp).append(decision(assetId));
                assertTrue(d.id() > 0);
                ApprovalStore approvals = new ApprovalStore(asApp, clock);
                Approval vote = approvals.vote(assetId, "1.0.1", null, "alice", "ok", null);
                // votes are history: casting, renewing and revoking only append rows
                approvals.vote(assetId, "1.0.1", null, "alice", "still ok", null);
                Approval renewed = approvals.list(assetId, "1.0.1", 1).getFirst();
                assertEquals(vote.id(), renewed.replaces());
                assertTrue(approvals.revoke(assetId, renewed.id(), "alice").orElseThrow().revokedAt() != null);
                NotificationStore queue = new NotificationStore(asApp);
                NotificationEvent event = NotificationEvent.ruleSetRefused("api", List.of("a.drl:1:1: x"), null, now);
                NotificationReceiver receiver = new NotificationReceiver("ops",
                        java.net.URI.create("http://127.0.0.1:9/h"), null, null);
                assertTrue(queue.enqueue(event, List.of(receiver), now).isPresent());
                NotificationStore.Claimed claimed = queue.claimDue("w", now, Duration.ofMinutes(1), 10).getFirst();
                queue.recordAttempt(claimed.id(), new NotificationDelivery.Attempt(1, now, 5, 500, "HTTP 500",
                        NotificationDelivery.AttemptOutcome.RETRY), NotificationDelivery.Status.PENDING,
                        now.plusSeconds(10), now);
                assertEquals(1, queue.find(claimed.id()).orElseThrow().delivery().attempts());
            } finally {
                asApp.close();
            }
        }

        @Test
        void theAppRoleCannotRewriteHistory() throws SQLException {
            try (Connection c = as(app)) {
                for (String table : HISTORY) {
                    for (String sql : List.of("UPDATE " + table + " SET id = id", "DELETE FROM " + table,
                            "TRUNCATE " + table)) {
                        SQLException e = refused(c, sql);
                        assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
                        assertTrue(e.getMessage().contains("permission denied for table " + table), e.getMessage());
                    }
                }
                // the migration history is read-only for the app
                assertEquals("42501", refused(c, "DELETE FROM flyway_schema_history").getSQLState());
                // and it still writes what it owns
                try (Statement s = c.createStatement()) {
                    assertEquals(1, s.executeUpdate("UPDATE asset_seen SET last_seen = last_seen"
                            + " WHERE asset_id = (SELECT id FROM asset WHERE name = 'web')"));
                }
            }
        }

        @Test
        void theTriggerRefusesEvenARoleGrantedEveryPrivilege() throws SQLException {
            try (Connection c = as(writer)) {
                for (String table : HISTORY) {
                    // statement-level: refused even when no row matches
                    List<String> statements = new java.util.ArrayList<>(List.of(
                            "UPDATE " + table + " SET id = id WHERE id = " + decisionId,
                            "DELETE FROM " + table + " WHERE 1 = 0"));
                    if (!REFERENCED.contains(table)) {
                        statements.add("TRUNCATE " + table);
                    } else {
                        // other tables point at these: PostgreSQL refuses TRUNCATE before any trigger runs
                        assertEquals("0A000", refused(c, "TRUNCATE " + table).getSQLState());
                    }
                    for (String sql : statements) {
                        SQLException e = refused(c, sql);
                        assertEquals("42501", e.getSQLState(), sql);
                        assertTrue(e.getMessage().contains("table " + table + " is append-only"), e.getMessage());
                    }
                }
                try (Statement s = c.createStatement()) {
                    // appending is still allowed
                    assertEquals(1, s.executeUpdate("INSERT INTO audit_event (at, actor, action, resource_type)"
                            + " VALUES (now(), 'writer', 'test.append', 'test')"));
                }
            }
            try (Connection c = owner(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT actor FROM decision WHERE id = " + decisionId)) {
                assertTrue(rs.next());
                assertEquals("test", rs.getString(1));
            }
        }

        @Test
        void theAuditorReadsEverythingAndWritesNothing() throws SQLException {
            try (Connection c = as(auditor); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT outcome FROM decision_history WHERE decision_id = "
                        + decisionId)) {
                    assertTrue(rs.next());
                    assertEquals("APPROVE", rs.getString(1));
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM audit_log WHERE name = 'web'")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getLong(1) >= 2, "asset.upsert and asset.decide");
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM notification_delivery")) {
                    assertTrue(rs.next());
                }
                for (String sql : List.of(
                        "INSERT INTO audit_event (at, actor, action, resource_type) VALUES (now(), 'a', 'x', 'y')",
                        "UPDATE asset SET name = 'x'", "DELETE FROM pin", "UPDATE decision SET actor = 'x'")) {
                    SQLException e = refused(c, sql);
                    assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
                }
            }
        }

        @Test
        void theOwnerCanStillMigrateAndCorrectHistory() throws SQLException {
            // a fresh schema: the roles exist already (cluster-wide), V12 only grants again
            try (TestDatabase other = TestDatabase.postgres()) {
                Flyway.configure().dataSource(other.url(), other.user(), "")
                        .locations("classpath:db/migration", "classpath:db/postgresql", "classpath:db/owner-check")
                        .placeholders(Map.of("json_type", "JSONB"))
                        .load().migrate();
                String otherSchema = other.url().replaceAll(".*currentSchema=", "");
                try (Connection c = DriverManager.getConnection(other.url(), app, "");
                     Statement s = c.createStatement()) {
                    // the later table got the app's privileges by default
                    assertEquals(1, s.executeUpdate("INSERT INTO owner_check_later (note) VALUES ('x')"));
                    assertEquals(1, s.executeUpdate("UPDATE owner_check_later SET note = 'y'"));
                    assertEquals("42501", refused(c, "DELETE FROM decision").getSQLState());
                }
                try (Connection c = DriverManager.getConnection(other.url(), auditor, "");
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + otherSchema + ".owner_check_later")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getLong(1));
                }
            }
        }
    }
}
