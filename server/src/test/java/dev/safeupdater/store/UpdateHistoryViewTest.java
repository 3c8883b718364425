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
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.RunRows;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The update_history view (docs/audit.md): one row per run with its decision, approvers, health and rollback. */
class UpdateHistoryViewTest {

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
        private final Instant t0 = Instant.parse("2026-03-10T12:00:00Z");
        private long assetId;
        private long majorRun;
        private long patchRun;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        private Decision decision(String to, ChangeType type, Outcome outcome, String rule, Instant at) {
            return new DecisionStore(db.database()).append(new Decision(0, assetId, "1.25.3", to, null, null, type,
                    outcome, List.of("ok"), List.of(new FiredRule(rule, outcome, "ok", Map.of())), rule, "rules-r1",
                    "policy-p1", "shop", "ENFORCE", Map.of(), "cycle", at));
        }

        @BeforeAll
        void history() {
            assetId = new AssetStore(db.database(), Clock.fixed(t0, ZoneOffset.UTC)).upsert(new AssetKey("kubernetes",
                    "prod", "shop", "Deployment", "web", "nginx"), "docker.io/library/nginx", "1.25.3", null,
                    Map.of(), Map.of(), "api:alice").asset().id();
            // bob and alice vote before the decision, dave votes and takes it back, carol votes too late
            new ApprovalStore(db.database(), Clock.fixed(t0.plusSeconds(10), ZoneOffset.UTC))
                    .vote(assetId, "2.0.0", null, "api:bob", "fine", null);
            new ApprovalStore(db.database(), Clock.fixed(t0.plusSeconds(20), ZoneOffset.UTC))
                    .vote(assetId, "2.0.0", null, "api:alice", "ok", null);
            long dave = new ApprovalStore(db.database(), Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC))
                    .vote(assetId, "2.0.0", null, "api:dave", null, null).id();
            new ApprovalStore(db.database(), Clock.fixed(t0.plusSeconds(40), ZoneOffset.UTC))
                    .revoke(assetId, dave, "api:dave");
            Decision major = decision("2.0.0", ChangeType.MAJOR, Outcome.APPROVE, "change-within-allow",
                    t0.plusSeconds(60));
            new ApprovalStore(db.database(), Clock.fixed(t0.plusSeconds(70), ZoneOffset.UTC))
                    .vote(assetId, "2.0.0", null, "api:carol", null, null);
            Decision patch = decision("1.25.4", ChangeType.PATCH, Outcome.APPROVE, "change-within-allow",
                    t0.plusSeconds(3600));
            boolean pg = db.kind() == TestDatabase.Kind.POSTGRES;
            db.database().jdbi().useTransaction(h -> {
                majorRun = RunRows.run(h, assetId, major.id(), "1.25.3", "2.0.0", null, "SUCCEEDED",
                        t0.plusSeconds(100), t0.plusSeconds(200), null);
                RunRows.event(h, majorRun, null, "QUEUED", null, t0.plusSeconds(100), pg);
                RunRows.event(h, majorRun, "QUEUED", "CLAIMED", "{\"owner\":\"replica-1\"}", t0.plusSeconds(101), pg);
                RunRows.event(h, majorRun, "CLAIMED", "APPLYING", null, t0.plusSeconds(102), pg);
                RunRows.event(h, majorRun, "APPLYING", "VERIFYING", null, t0.plusSeconds(110), pg);
                RunRows.event(h, majorRun, "VERIFYING", "SUCCEEDED", "{\"health\":{\"ready\":\"3/3\"}}",
                        t0.plusSeconds(200), pg);
                patchRun = RunRows.run(h, assetId, patch.id(), "2.0.0", "1.25.4", null, "ROLLED_BACK",
                        t0.plusSeconds(3700), t0.plusSeconds(3900), "readiness failed");
                RunRows.event(h, patchRun, null, "QUEUED", null, t0.plusSeconds(3700), pg);
                RunRows.event(h, patchRun, "APPLYING", "VERIFYING", null, t0.plusSeconds(3710), pg);
                RunRows.event(h, patchRun, "VERIFYING", "ROLLING_BACK", "{\"reason\":\"readiness failed\"}",
                        t0.plusSeconds(3800), pg);
                RunRows.event(h, patchRun, "ROLLING_BACK", "ROLLED_BACK", null, t0.plusSeconds(3900), pg);
            });
        }

        private Map<String, Object> row(long runId) {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT run_id, namespace, name, container,"
                            + " from_tag, to_tag, change_type, outcome, decided_by, ruleset_revision, policy_revision,"
                            + " scope_name, approvers, final_state, error, CAST(health AS VARCHAR(4000)) AS health,"
                            + " rolled_back, rollback_at, CAST(rollback_reason AS VARCHAR(4000)) AS rollback_reason,"
                            + " started_at, finished_at FROM update_history WHERE run_id = :id")
                    .bind("id", runId).mapToMap().one());
        }

        @Test
        void oneRowPerRunWithItsDecisionAndAssetCoordinates() {
            long rows = db.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM update_history")
                    .mapTo(Long.class).one());
            assertEquals(2, rows);
            Map<String, Object> r = row(majorRun);
            assertEquals("shop", r.get("namespace"));
            assertEquals("web", r.get("name"));
            assertEquals("2.0.0", r.get("to_tag"));
            assertEquals("MAJOR", r.get("change_type"));
            assertEquals("APPROVE", r.get("outcome"));
            assertEquals("change-within-allow", r.get("decided_by"));
            assertEquals("rules-r1", r.get("ruleset_revision"));
            assertEquals("SUCCEEDED", r.get("final_state"));
            assertEquals(Boolean.FALSE, r.get("rolled_back"));
            assertNull(r.get("rollback_at"));
        }

        @Test
        void approversAreTheVotesInForceWhenTheDecisionWasMade() {
            // dave revoked before the decision, carol voted after it
            assertEquals("api:alice, api:bob", row(majorRun).get("approvers"));
            assertNull(row(patchRun).get("approvers"));
        }

        @Test
        void healthIsTheDetailOfTheTransitionOutOfVerifying() {
            assertTrue(String.valueOf(row(majorRun).get("health")).contains("3/3"), row(majorRun).toString());
            assertNull(row(majorRun).get("rollback_reason"));
        }

        @Test
        void aRollbackSaysWhenAndWhy() {
            Map<String, Object> r = row(patchRun);
            assertEquals(Boolean.TRUE, r.get("rolled_back"));
            assertEquals("ROLLED_BACK", r.get("final_state"));
            assertEquals("readiness failed", r.get("error"));
            assertTrue(String.valueOf(r.get("rollback_reason")).contains("readiness failed"), r.toString());
            assertTrue(r.get("rollback_at") != null);
        }
    }
}
