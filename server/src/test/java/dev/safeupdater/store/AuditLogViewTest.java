package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The audit_log view (docs/audit.md): every audited mutation with the asset it concerns — on H2 and PostgreSQL. */
class AuditLogViewTest {

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

    /** One row of audit_log as the documented columns name it. */
    record Row(long auditId, Instant at, String actor, String action, String resourceType, String resourceId,
               Long assetId, String namespace, String name, String image, String detail) {
    }

    abstract static class Contract extends DatabaseContract {
        private final Instant now = Instant.parse("2026-03-10T12:00:00Z");
        private long assetId;
        private long decisionId;
        private long approvalId;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void history() {
            Clock clock = Clock.fixed(now, ZoneOffset.UTC);
            assetId = new AssetStore(db.database(), clock).upsert(new AssetKey("kubernetes", "prod", "shop",
                    "Deployment", "web", "nginx"), "docker.io/library/nginx", "1.25.3", null, Map.of(), Map.of(),
                    "api:alice").asset().id();
            decisionId = new DecisionStore(db.database()).append(new Decision(0, assetId, "1.25.3", "2.0.0", null,
                    null, ChangeType.MAJOR, Outcome.HOLD, List.of("waiting"), List.of(), "approvals-required", "r",
                    "p", "shop", "ENFORCE", Map.of(), "api:scanner", now)).id();
            approvalId = new ApprovalStore(db.database(), clock).vote(assetId, "2.0.0", null, "api:bob", "fine",
                    null).id();
            // a resource type without an asset, with an id that is not a number (e.g. a rule-set revision)
            db.database().jdbi().useHandle(h -> new AuditDao(h).append(now, "watcher", "ruleset.refuse", "ruleset",
                    "9f86d081884c7d65", Map.of("errors", 2)));
        }

        private List<Row> rows() {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT audit_id, at, actor, action,"
                            + " resource_type, resource_id, asset_id, namespace, name, image, detail FROM audit_log"
                            + " ORDER BY audit_id")
                    .map((rs, ctx) -> new Row(rs.getLong("audit_id"), Times.read(rs, "at"), rs.getString("actor"),
                            rs.getString("action"), rs.getString("resource_type"), rs.getString("resource_id"),
                            rs.getObject("asset_id") == null ? null : rs.getLong("asset_id"),
                            rs.getString("namespace"), rs.getString("name"), rs.getString("image"),
                            rs.getString("detail")))
                    .list());
        }

        @Test
        void everyAuditedMutationShowsTheAssetItConcerns() {
            List<Row> rows = rows();
            assertEquals(List.of("asset.upsert", "asset.decide", "approval.vote", "ruleset.refuse"),
                    rows.stream().map(Row::action).toList());
            for (Row r : rows.subList(0, 3)) {
                assertEquals(assetId, r.assetId(), r.toString());
                assertEquals("shop", r.namespace());
                assertEquals("web", r.name());
                assertEquals("docker.io/library/nginx", r.image());
                assertEquals(now, r.at());
            }
            assertEquals("api:alice", rows.get(0).actor());
            assertEquals(Long.toString(decisionId), rows.get(1).resourceId());
            assertEquals("api:bob", rows.get(2).actor());
            assertEquals(Long.toString(approvalId), rows.get(2).resourceId());
            assertTrue(rows.get(1).detail().contains("\"outcome\""), rows.get(1).detail());
            Row other = rows.get(3);
            assertNull(other.assetId());
            assertNull(other.namespace());
            assertEquals("9f86d081884c7d65", other.resourceId());
        }

        /** Every SQL block under "Example queries" in docs/audit.md runs here (PostgreSQL-only ones on PostgreSQL). */
        @Test
        void everyExampleQueryOfTheAuditDocsRuns() throws java.io.IOException {
            String doc = java.nio.file.Files.readString(dev.safeupdater.testing.TestPaths.repoRoot()
                    .resolve("docs/audit.md"));
            String examples = doc.substring(doc.indexOf("## Example queries"), doc.indexOf("\n## ",
                    doc.indexOf("## Example queries") + 1));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("```sql\n(.*?)```", java.util.regex.Pattern.DOTALL)
                    .matcher(examples);
            int ran = 0;
            int total = 0;
            while (m.find()) {
                total++;
                String sql = m.group(1).strip().replaceAll(";$", "");
                if (sql.startsWith("-- PostgreSQL only") && kind != TestDatabase.Kind.POSTGRES) {
                    continue;
                }
                int rows = db.database().jdbi().withHandle(h -> h.createQuery(sql).mapToMap().list().size());
                if (sql.contains("namespace = 'shop'") && sql.contains("decision_history")) {
                    assertTrue(rows > 0, "no rows from:\n" + sql);
                }
                ran++;
            }
            assertTrue(total >= 9, total + " examples");
            assertEquals(kind == TestDatabase.Kind.POSTGRES ? total : total - 2, ran);
        }

        @Test
        void auditLogSaysWhoChangedWhatAndDecisionHistoryWhatThePolicySaid() {
            // who changed what in namespace shop, newest first
            List<String> who = db.database().jdbi().withHandle(h -> h.createQuery("SELECT actor || ' ' || action"
                            + " FROM audit_log WHERE namespace = 'shop' AND at >= :from ORDER BY at DESC, audit_id DESC")
                    .bind("from", Times.bind(now.minusSeconds(3600))).mapTo(String.class).list());
            assertEquals(List.of("api:bob approval.vote", "api:scanner asset.decide", "api:alice asset.upsert"), who);
            // "what did the policy say about this asset on date D"
            List<String> said = db.database().jdbi().withHandle(h -> h.createQuery("SELECT outcome || ' ' || to_tag"
                            + " FROM decision_history WHERE asset_id = :asset AND decided_at < :d"
                            + " ORDER BY decided_at DESC LIMIT 1")
                    .bind("asset", assetId).bind("d", Times.bind(now.plusSeconds(86400))).mapTo(String.class).list());
            assertEquals(List.of("HOLD 2.0.0"), said);
        }
    }
}
