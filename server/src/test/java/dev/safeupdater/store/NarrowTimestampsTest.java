package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The per-cycle timestamps live in narrow tables (V19): a steady scan writes only asset_seen, a steady cycle only
 * plan_evaluation (and the asset_plan rows of stale assets, to make them current), while what readers see (the
 * asset's last seen time, a plan row's cycle and evaluation time) is as before. On H2 and PostgreSQL.
 */
class NarrowTimestampsTest {

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
        private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        private InventoryStore inventory;
        private AssetStore assets;
        private CycleStore cycles;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() {
            inventory = new InventoryStore(db.database(), clock);
            assets = new AssetStore(db.database(), clock);
            cycles = new CycleStore(db.database());
        }

        private static ObservedAsset slot(String cluster, String name) {
            return new ObservedAsset(new AssetKey("kubernetes", cluster, "shop", "Deployment", name, "app"), "nginx",
                    "1.0", null, Map.of("app", name), Map.of("note", "wide"), Map.of("imagePullSecrets",
                    List.of("regcred")));
        }

        private Map<String, Asset> assetsByName(String cluster) {
            return assets.list(new AssetFilter(null, cluster, null, null, null, null, null), null, 100).items()
                    .stream().collect(Collectors.toMap(a -> a.key().name(), Function.identity()));
        }

        /** Every column of a table's rows for the given asset ids ({@code key}: the id column), to compare. */
        private String rows(String table, String key, List<Long> ids) {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT * FROM " + table + " WHERE " + key
                            + " IN (<ids>) ORDER BY " + key).bindList("ids", ids).mapToMap().list()).toString();
        }

        private Instant lastSeenColumn(long assetId) {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT last_seen FROM asset_seen"
                    + " WHERE asset_id = :a").bind("a", assetId)
                    .map((rs, ctx) -> Times.read(rs, "last_seen")).one());
        }

        private Map<Long, PlanEntry> plan(String cluster) {
            return cycles.plan(PlanFilter.ALL, null, 10_000).items().stream()
                    .filter(e -> e.asset().cluster().equals(cluster))
                    .collect(Collectors.toMap(PlanEntry::assetId, Function.identity()));
        }

        private static CycleStore.PlanWrite nothingToPropose(Asset a) {
            return new CycleStore.PlanWrite(new PlanEntry(a.id(), a.key(), a.image(), a.currentTag(),
                    a.currentDigest(), null, null, null, null, null, null, null, null, List.of(), List.of(), null,
                    null, null, false, null, null), null, "fp-" + a.id());
        }

        private long cycle(List<CycleStore.PlanWrite> plans, List<Long> unchanged, List<CycleStore.StaleMark> stale,
                           boolean dropGone) {
            long id = cycles.start("test", "cli", "test:1", clock.instant());
            cycles.write(new CycleStore.CycleWrite(id, clock.instant(), "test", List.of(), List.of(), plans,
                    unchanged, stale, dropGone));
            return id;
        }

        @Test
        void aSteadyRescanRenewsOnlyAssetSeen() {
            String c = "seen-" + UUID.randomUUID();
            List<ObservedAsset> seen = List.of(slot(c, "web"), slot(c, "api"));
            inventory.sync(c, seen, k -> false, null);
            Instant first = clock.instant();
            List<Long> ids = assetsByName(c).values().stream().map(Asset::id).sorted().toList();
            String assetRows = rows("asset", "id", ids);
            ids.forEach(id -> assertEquals(first, lastSeenColumn(id)));

            clock.advance(Duration.ofMinutes(5));
            InventoryStore.SyncResult r = inventory.sync(c, seen, k -> false, null);
            assertEquals(2, r.unchanged());
            assertEquals(assetRows, rows("asset", "id", ids), "the asset rows (updated_at included) are not written");
            ids.forEach(id -> assertEquals(clock.instant(), lastSeenColumn(id)));
            assertTrue(assetsByName(c).values().stream().allMatch(a -> a.lastSeen().equals(clock.instant())
                    && a.firstSeen().equals(first)));
            assertEquals(clock.instant(), assets.find(ids.getFirst()).orElseThrow().lastSeen());
        }

        @Test
        void aChangedOrApiWrittenAssetRenewsItsLastSeenToo() {
            String c = "changed-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "web")), k -> false, null);
            clock.advance(Duration.ofMinutes(5));
            ObservedAsset newer = new ObservedAsset(slot(c, "web").key(), "nginx", "1.1", null, Map.of(), Map.of(),
                    Map.of());
            assertEquals(1, inventory.sync(c, List.of(newer), k -> false, null).changed());
            Asset web = assetsByName(c).get("web");
            assertEquals(clock.instant(), web.lastSeen());
            assertEquals("1.1", web.currentTag());

            clock.advance(Duration.ofMinutes(5));
            AssetKey api = new AssetKey("static", c, "shop", "Deployment", "api", "app");
            Asset registered = assets.upsert(api, "nginx", "2.0", null, Map.of(), Map.of(), "test").asset();
            assertEquals(clock.instant(), registered.lastSeen());
            clock.advance(Duration.ofMinutes(5));
            Asset again = assets.upsert(api, "nginx", "2.1", null, Map.of(), Map.of(), "test").asset();
            assertEquals(clock.instant(), again.lastSeen());
            assertEquals(clock.instant(), lastSeenColumn(again.id()));
        }

        @Test
        void aSteadyCycleRenewsOnlyPlanEvaluationAndMakesStaleRowsCurrent() {
            String c = "plan-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "web"), slot(c, "api"), slot(c, "db")), k -> false, null);
            Map<String, Asset> byName = assetsByName(c);
            long web = byName.get("web").id();
            long api = byName.get("api").id();
            long dbId = byName.get("db").id();
            Instant t0 = clock.instant();
            long c1 = cycle(List.of(nothingToPropose(byName.get("web")), nothingToPropose(byName.get("api"))),
                    List.of(), List.of(), false);
            Map<Long, PlanEntry> p = plan(c);
            assertEquals(c1, p.get(web).cycleId());
            assertEquals(t0, p.get(web).evaluatedAt());
            assertFalse(p.get(web).stale());

            // the registry of api cannot be read; db has no plan row yet: both stale, neither evaluated now
            clock.advance(Duration.ofMinutes(5));
            Instant t1 = clock.instant();
            String webRow = rows("asset_plan", "asset_id", List.of(web));
            long c2 = cycle(List.of(), List.of(web), List.of(new CycleStore.StaleMark(api, "registry down"),
                    new CycleStore.StaleMark(dbId, "registry down")), false);
            p = plan(c);
            assertEquals(webRow, rows("asset_plan", "asset_id", List.of(web)), "an unchanged plan row is not written");
            assertEquals(c2, p.get(web).cycleId());
            assertEquals(t1, p.get(web).evaluatedAt());
            assertTrue(p.get(api).stale());
            assertEquals(c2, p.get(api).cycleId());
            assertEquals(t0, p.get(api).evaluatedAt(), "a stale mark is no evaluation");
            assertEquals(t1, p.get(api).staleSince());
            assertEquals("registry down", p.get(api).error());
            assertTrue(p.get(dbId).stale());
            assertEquals(c2, p.get(dbId).cycleId());
            assertNull(p.get(dbId).evaluatedAt(), "never evaluated");

            // readable again: api's plan row is rewritten (a stale row is never "unchanged": the cycle gives it no
            // fingerprint) and current again; web, unchanged, is still not rewritten
            clock.advance(Duration.ofMinutes(5));
            Instant t2 = clock.instant();
            long c3 = cycle(List.of(nothingToPropose(byName.get("api"))), List.of(web), List.of(), false);
            p = plan(c);
            assertEquals(webRow, rows("asset_plan", "asset_id", List.of(web)));
            for (long id : List.of(web, api)) {
                assertEquals(c3, p.get(id).cycleId());
                assertEquals(t2, p.get(id).evaluatedAt());
                assertFalse(p.get(id).stale());
                assertNull(p.get(id).staleSince());
                assertNull(p.get(id).error());
            }
            assertTrue(p.get(dbId).stale());

            // db re-evaluated (its plan row rewritten): current, evaluated now
            clock.advance(Duration.ofMinutes(5));
            long c4 = cycle(List.of(nothingToPropose(byName.get("db"))), List.of(web, api), List.of(), false);
            p = plan(c);
            assertFalse(p.get(dbId).stale());
            assertNull(p.get(dbId).error());
            assertEquals(c4, p.get(dbId).cycleId());
            assertEquals(clock.instant(), p.get(dbId).evaluatedAt());
            long renewed = db.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM plan_evaluation"
                    + " WHERE asset_id IN (<ids>) AND cycle_id = :c").bindList("ids", List.of(web, api, dbId))
                    .bind("c", c4).mapTo(Long.class).one());
            assertEquals(3, renewed);

            // web is gone: its plan row and its evaluation go with it
            clock.advance(Duration.ofMinutes(5));
            inventory.sync(c, List.of(slot(c, "api"), slot(c, "db")), k -> false, null);
            cycle(List.of(), List.of(api, dbId), List.of(), true);
            assertEquals("[]", rows("asset_plan", "asset_id", List.of(web)));
            assertEquals("[]", rows("plan_evaluation", "asset_id", List.of(web)));
            assertEquals(2, plan(c).size());
        }
    }
}
