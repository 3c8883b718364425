package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Page;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The store on both databases, from the same migration files. */
class StoreTest {

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
        private AssetStore assets;
        private DecisionStore decisions;
        private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() {
            assets = new AssetStore(db.database(), clock);
            decisions = new DecisionStore(db.database());
        }

        private AssetKey key(String name) {
            return new AssetKey("static", "", "shop", "Deployment", name, "app");
        }

        @Test
        void upsertCreatesThenUpdatesTheSameSlotAndAuditsBoth() {
            long auditBefore = db.count("audit_event");
            var created = assets.upsert(key("web-" + kind), "nginx", "1.25.3", null, Map.of("team", "a"),
                    Map.of("note", "x"), "test");
            assertTrue(created.created());
            var updated = assets.upsert(key("web-" + kind), "nginx", "1.25.4",
                    "sha256:" + "a".repeat(64), Map.of("team", "b"), Map.of(), "test");
            assertFalse(updated.created());
            assertEquals(created.asset().id(), updated.asset().id());
            Asset a = assets.find(created.asset().id()).orElseThrow();
            assertEquals("1.25.4", a.currentTag());
            assertEquals("sha256:" + "a".repeat(64), a.currentDigest());
            assertEquals(Map.of("team", "b"), a.labels());
            assertEquals(clock.instant(), a.firstSeen());
            assertEquals(auditBefore + 2, db.count("audit_event"));
        }

        @Test
        void assetsArePagedInIdOrderWithACursor() {
            for (int i = 0; i < 7; i++) {
                assets.upsert(key("paged-" + i), "redis", "7.2." + i, null, Map.of(), Map.of(), "test");
            }
            List<Asset> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                Page<Asset> page = assets.list(cursor, 3);
                seen.addAll(page.items());
                cursor = page.nextCursor();
                pages++;
            } while (cursor != null);
            assertTrue(pages >= 3);
            assertEquals(seen.stream().map(Asset::id).sorted().distinct().toList(), seen.stream().map(Asset::id).toList());
            assertTrue(seen.stream().filter(a -> a.key().name().startsWith("paged-")).count() == 7);
            assertThrows(IllegalArgumentException.class, () -> assets.list("not-a-cursor", 3));
        }

        @Test
        void decisionsRoundTripAndListNewestFirstWithFilters() {
            long assetId = assets.upsert(key("dec-" + kind), "postgres", "16.1", null, Map.of(), Map.of(), "test")
                    .asset().id();
            Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Outcome o = i % 2 == 0 ? Outcome.HOLD : Outcome.APPROVE;
                Decision d = decisions.append(new Decision(0, assetId, "16.1", "16." + (2 + i), null, null,
                        ChangeType.MINOR, o, List.of("reason " + i),
                        List.of(new FiredRule("rule-" + i, o, "reason " + i, Map.of("owner", "db-team"))),
                        "rule-" + i, "rev", null, null, "ENFORCE", Map.of("candidate", Map.of("n", i)), "tester",
                        t0.plusSeconds(3600L * i)));
                ids.add(d.id());
                assertEquals(List.of("reason " + i), d.reasons());
                assertEquals("db-team", d.firedRules().getFirst().metadata().get("owner"));
                assertEquals(i, ((Map<?, ?>) d.inputs().get("candidate")).get("n"));
                assertEquals(t0.plusSeconds(3600L * i), d.decidedAt());
            }
            var all = decisions.list(new DecisionFilter(assetId, null, null, null), null, 10);
            assertEquals(ids.reversed(), all.items().stream().map(Decision::id).toList());
            assertNull(all.nextCursor());

            var holds = decisions.list(new DecisionFilter(assetId, Outcome.HOLD, null, null), null, 10);
            assertEquals(3, holds.items().size());
            assertTrue(holds.items().stream().allMatch(d -> d.outcome() == Outcome.HOLD));

            var window = decisions.list(new DecisionFilter(assetId, null, t0.plusSeconds(3600), t0.plusSeconds(3 * 3600)),
                    null, 10);
            assertEquals(List.of(ids.get(2), ids.get(1)), window.items().stream().map(Decision::id).toList());

            var first = decisions.list(new DecisionFilter(assetId, null, null, null), null, 2);
            assertNotNull(first.nextCursor());
            var second = decisions.list(new DecisionFilter(assetId, null, null, null), first.nextCursor(), 2);
            assertEquals(List.of(ids.get(2), ids.get(1)), second.items().stream().map(Decision::id).toList());
        }

        @Test
        void auditorViewJoinsDecisionsToAssetCoordinates() {
            long assetId = assets.upsert(key("view-" + kind), "nginx", "1.0.0", null, Map.of(), Map.of(), "test")
                    .asset().id();
            decisions.append(new Decision(0, assetId, "1.0.0", "1.0.1", null, null, ChangeType.PATCH, Outcome.APPROVE,
                    List.of("ok"), List.of(), "r", "rev", null, null, "ENFORCE", Map.of(), "auditor-test", clock.instant()));
            String name = db.database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT name FROM decision_history WHERE asset_id = :a AND outcome = 'APPROVE'")
                    .bind("a", assetId).mapTo(String.class).one());
            assertEquals("view-" + kind, name);
        }

        @Test
        void aDecisionForAnUnknownAssetIsRefusedAndLeavesNoAuditRow() {
            long auditBefore = db.count("audit_event");
            long decisionsBefore = db.count("decision");
            assertThrows(RuntimeException.class, () -> decisions.append(new Decision(0, 999_999, "1", "2", null, null,
                    ChangeType.MAJOR, Outcome.HOLD, List.of(), List.of(), null, "rev", null, null, "ENFORCE", Map.of(),
                    "t", clock.instant())));
            assertEquals(auditBefore, db.count("audit_event"));
            assertEquals(decisionsBefore, db.count("decision"));
        }
    }
}
