package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.model.Approval;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What the policy reads from the past (runs, pins, votes, release times) and how votes are written, on both databases. */
class HistoryStoreTest {

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

    /** No code path updates or deletes a decision (the table is append-only). */
    @Test
    void decisionsHaveNoUpdateOrDeletePath() throws IOException {
        Pattern forbidden = Pattern.compile("(?i)(UPDATE\\s+decision\\b|DELETE\\s+FROM\\s+decision\\b)");
        try (Stream<Path> files = Files.walk(TestPaths.repoRoot().resolve("server/src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                assertFalse(forbidden.matcher(Files.readString(p)).find(), p + " changes decisions");
            }
        }
    }

    abstract static class Contract extends DatabaseContract {
        private static final String DIGEST_A = "sha256:" + "a".repeat(64);
        private static final String DIGEST_B = "sha256:" + "b".repeat(64);
        private final Instant now = Instant.parse("2026-03-10T12:00:00Z");
        private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        private AssetStore assets;
        private DecisionStore decisions;
        private HistoryStore history;
        private ApprovalStore approvals;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() {
            assets = new AssetStore(db.database(), clock);
            decisions = new DecisionStore(db.database());
            history = new HistoryStore(db.database());
            approvals = new ApprovalStore(db.database(), clock);
        }

        private long asset(String name) {
            return assets.upsert(new AssetKey("static", "", "shop", "Deployment", name, "app"), "ghcr.io/acme/" + name,
                    "1.0.0", null, Map.of(), Map.of(), "test").asset().id();
        }

        private Decision decide(long assetId, String tag, String digest, String mode, String scope) {
            return decisions.append(new Decision(0, assetId, "1.0.0", tag, null, digest, ChangeType.PATCH,
                    Outcome.HOLD, List.of("r"), List.of(), "r", "rev", "prev", scope, mode, Map.of(), "test", now));
        }

        private void run(long assetId, long decisionId, String to, String state, Instant finished) {
            db.database().jdbi().useHandle(h -> h.createUpdate("INSERT INTO update_run (asset_id, decision_id,"
                            + " from_tag, to_tag, state, created_at, updated_at, finished_at) VALUES (:a, :d, '1.0.0',"
                            + " :to, :state, :t, :t, :t)")
                    .bind("a", assetId).bind("d", decisionId).bind("to", to).bind("state", state)
                    .bind("t", finished.atOffset(ZoneOffset.UTC)).execute());
        }

        private void pin(long assetId, String tag, String digest, Instant expires, Instant removed) {
            db.database().jdbi().useHandle(h -> h.createUpdate("INSERT INTO pin (asset_id, tag, digest, reason,"
                            + " created_by, created_at, expires_at, removed_at) VALUES (:a, :tag, :digest, 'bad',"
                            + " 'ops', :now, :exp, :rem)")
                    .bind("a", assetId).bind("tag", tag).bind("digest", digest)
                    .bind("now", now.atOffset(ZoneOffset.UTC))
                    .bind("exp", expires == null ? null : expires.atOffset(ZoneOffset.UTC))
                    .bind("rem", removed == null ? null : removed.atOffset(ZoneOffset.UTC)).execute());
        }

        @Test
        void failuresInTheWindowPinsInForceAndTheLastSuccessfulUpdate() {
            long id = asset("hist-" + kind);
            // one decision per run (a decision becomes at most one run, V9)
            run(id, decide(id, "1.0.1", null, "ENFORCE", "prod").id(), "1.0.1", "SUCCEEDED", now.minusSeconds(86400 * 3));
            run(id, decide(id, "1.0.2", null, "ENFORCE", "prod").id(), "1.0.2", "ROLLED_BACK", now.minusSeconds(3600));
            run(id, decide(id, "1.0.3", null, "ENFORCE", "prod").id(), "1.0.3", "FAILED", now.minusSeconds(86400 * 10));
            run(id, decide(id, "1.0.4", null, "ENFORCE", "prod").id(), "1.0.4", "SUCCEEDED", now.minusSeconds(86400 * 2));
            pin(id, "1.0.2", null, null, null);
            pin(id, "1.0.5", null, now.minusSeconds(1), null);
            pin(id, "1.0.6", null, null, now.minusSeconds(1));
            pin(id, "1.0.7", DIGEST_A, now.plusSeconds(3600), null);

            dev.safeupdater.model.History s = history.history(id, "1.0.2", null, now.minusSeconds(86400 * 7), now);
            assertEquals(List.of("1.0.2"), s.failures().stream().map(dev.safeupdater.model.History.Failure::toTag).toList(),
                    "the failure 10 days ago is outside the window; successes are not failures");
            assertEquals("ROLLED_BACK", s.failures().getFirst().state());
            assertEquals(now.minusSeconds(3600), s.failures().getFirst().at());
            assertEquals(List.of("1.0.2", "1.0.7"), s.pins().stream().map(dev.safeupdater.model.History.Pin::tag).toList(),
                    "expired and removed pins are not in force");
            assertEquals(DIGEST_A, s.pins().get(1).digest());
            assertEquals("1.0.4", s.lastUpdate().toTag());
            assertEquals(now.minusSeconds(86400 * 2), s.lastUpdate().at());

            dev.safeupdater.model.History none = history.history(asset("fresh-" + kind), "1.0.1", null, now.minusSeconds(60),
                    now);
            assertTrue(none.failures().isEmpty() && none.pins().isEmpty() && none.approvals().isEmpty());
            assertNull(none.lastUpdate());
        }

        @Test
        void releaseTimesComeFromTheRegistryRecord() {
            db.database().jdbi().useHandle(h -> h.createUpdate("INSERT INTO image_tag (image, tag, release_time,"
                            + " release_time_source, first_seen) VALUES ('ghcr.io/acme/rel', '2.0.0',"
                            + " :t, 'IMAGE_CONFIG', :t)")
                    .bind("t", OffsetDateTime.parse("2026-03-01T08:00:00Z")).execute());
            HistoryStore.Release r = history.release("ghcr.io/acme/rel", "2.0.0").orElseThrow();
            assertEquals(Instant.parse("2026-03-01T08:00:00Z"), r.time());
            assertEquals("IMAGE_CONFIG", r.source());
            assertTrue(history.release("ghcr.io/acme/rel", "9.9.9").isEmpty());
        }

        @Test
        void aCycleReadsTheHistoryOfAssetsWithAVoteThatCounts() {
            long live = asset("live-vote-" + kind);
            long revoked = asset("revoked-vote-" + kind);
            long expired = asset("expired-vote-" + kind);
            long none = asset("no-vote-" + kind);
            for (long id : new long[] {live, revoked, expired}) {
                decide(id, "3.0.0", DIGEST_A, "ENFORCE", "prod");
            }
            approvals.vote(live, "3.0.0", DIGEST_A, "api:alice", null, null);
            Approval gone = approvals.vote(revoked, "3.0.0", DIGEST_A, "api:alice", null, null);
            approvals.revoke(revoked, gone.id(), "api:alice").orElseThrow();
            approvals.vote(expired, "3.0.0", DIGEST_A, "api:bob", null, now.minusSeconds(1));

            java.util.Set<Long> with = history.assetsWithHistory(now);
            assertTrue(with.contains(live), "a live vote is history the policy reads");
            assertFalse(with.contains(revoked), "a revoked vote no longer counts");
            assertFalse(with.contains(expired), "an expired vote no longer counts");
            assertFalse(with.contains(none));
        }

        @Test
        void votesAreCastRenewedRevokedAndCountedPerTagAndDigest() {
            long id = asset("votes-" + kind);
            long auditBefore = db.count("audit_event");
            Decision d = decide(id, "2.0.0", DIGEST_A, "ENFORCE", "prod");
            Approval alice = approvals.vote(id, "2.0.0", null, "api:alice", "looks fine", null);
            assertEquals(DIGEST_A, alice.toDigest(), "without a digest, the newest decision's digest is meant");
            assertEquals(d.id(), alice.decisionId());
            assertEquals(now, alice.createdAt());
            Approval again = approvals.vote(id, "2.0.0", DIGEST_A, "api:alice", "still fine", null);
            assertEquals(alice.id(), again.replaces(), "one live vote per person: a new vote replaces the old one");
            assertEquals("still fine", again.comment());
            approvals.vote(id, "2.0.0", DIGEST_A, "api:bob", null, now.minusSeconds(1));
            approvals.vote(id, "2.0.0", DIGEST_B, "api:carol", null, null);
            approvals.vote(id, "2.1.0", null, "api:dave", null, null);

            List<String> counted = history.history(id, "2.0.0", DIGEST_A, now, now).approvals().stream()
                    .map(dev.safeupdater.model.History.Approval::approver).toList();
            assertEquals(List.of("api:alice"), counted,
                    "bob's vote expired; carol voted for another digest, dave for another tag");

            Approval revoked = approvals.revoke(id, again.id(), "api:alice").orElseThrow();
            assertNotNull(revoked.revokedAt());
            assertTrue(history.history(id, "2.0.0", DIGEST_A, now, now).approvals().isEmpty());
            Approval renewed = approvals.vote(id, "2.0.0", DIGEST_A, "api:alice", null, null);
            assertNull(renewed.revokedAt(), "voting again undoes a revocation");
            assertEquals(1, history.history(id, "2.0.0", DIGEST_A, now, now).approvals().size());

            assertTrue(approvals.revoke(id, 999_999, "x").isEmpty());
            assertTrue(approvals.revoke(asset("other-" + kind), again.id(), "x").isEmpty(),
                    "a vote is revoked only through its own asset");
            // newest first; alice's renewed vote shows once (revoked), her vote after that once more
            assertEquals(List.of("api:alice", "api:carol", "api:bob", "api:alice"), approvals.list(id, "2.0.0", 10)
                    .stream().map(Approval::approver).toList(), "newest first");
            assertNotNull(approvals.list(id, "2.0.0", 10).get(3).revokedAt());
            assertEquals(5, approvals.list(id, null, 10).size());
            assertEquals(auditBefore + 1 + 7 + 1, db.count("audit_event"),
                    "the decision, every vote cast or renewed (6) and revoked (1), and the other asset");
        }

        @Test
        void decisionsFilterByModeAndScope() {
            long id = asset("modes-" + kind);
            decide(id, "3.0.1", null, "ENFORCE", "prod");
            decide(id, "3.0.2", null, "DRY_RUN", "edge-trial");
            decide(id, "3.0.3", null, "DRY_RUN", "edge-trial");
            var dry = decisions.list(new DecisionFilter(id, null, null, null, "DRY_RUN", null), null, 10);
            assertEquals(List.of("3.0.3", "3.0.2"), dry.items().stream().map(Decision::toTag).toList());
            var prod = decisions.list(new DecisionFilter(id, null, null, null, null, "prod"), null, 10);
            assertEquals(List.of("3.0.1"), prod.items().stream().map(Decision::toTag).toList());
            assertEquals("prev", prod.items().getFirst().policyRevision());
        }
    }
}
