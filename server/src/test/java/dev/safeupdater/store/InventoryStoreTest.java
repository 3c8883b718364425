package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.safeupdater.model.ScanSourceResult;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.KindCounts;
import dev.safeupdater.model.AssetVersion;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.model.AssetDetail;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.model.Page;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Scan sync into the asset table, on H2 and PostgreSQL. */
class InventoryStoreTest {

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
        private ScanStore scans;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() {
            inventory = new InventoryStore(db.database(), clock);
            assets = new AssetStore(db.database(), clock);
            scans = new ScanStore(db.database(), clock);
        }

        private static ObservedAsset slot(String cluster, String ns, String name, String tag) {
            return new ObservedAsset(new AssetKey("kubernetes", cluster, ns, "Deployment", name, "app"), "nginx", tag,
                    null, Map.of("app", name), Map.of(), Map.of("imagePullSecrets", List.of("regcred")));
        }

        private List<Asset> all(String cluster) {
            List<Asset> out = new ArrayList<>();
            String cursor = null;
            do {
                Page<Asset> p = assets.list(new AssetFilter(null, cluster, null, null, null, null, null), cursor, 500);
                out.addAll(p.items());
                cursor = p.nextCursor();
            } while (cursor != null);
            return out;
        }

        /** Every column of the cluster's asset rows, to compare before/after. */
        private List<Map<String, Object>> rows(String cluster) {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT * FROM asset WHERE cluster = :c"
                    + " ORDER BY id").bind("c", cluster).mapToMap().list());
        }

        private long versions(String cluster) {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM asset_version v"
                    + " JOIN asset a ON a.id = v.asset_id WHERE a.cluster = :c").bind("c", cluster)
                    .mapTo(Long.class).one());
        }

        @Test
        void aFirstSyncInsertsEverySlotAndRecordsItsVersion() {
            String c = "c1-" + UUID.randomUUID();
            long scanId = scans.start(null, "test");
            InventoryStore.SyncResult r = inventory.sync(c, List.of(slot(c, "shop", "web", "1.0"),
                    slot(c, "shop", "api", "2.0")), k -> false, scanId);
            assertEquals(2, r.added());
            assertEquals(2, r.versionsRecorded());
            assertEquals(Map.of("Deployment", new KindCounts(2, 2, 0, 0)), r.byKind());
            List<Asset> stored = all(c);
            assertEquals(2, stored.size());
            assertEquals(clock.instant(), stored.getFirst().firstSeen());
            AssetDetail d = assets.detail(stored.getFirst().id(), 10).orElseThrow();
            assertEquals(c, d.origin());
            assertEquals(List.of("regcred"), d.details().get("imagePullSecrets"));
            assertEquals(1, d.versions().size());
            assertEquals(scanId, d.versions().getFirst().scanId());
            assertEquals(c, d.versions().getFirst().observedBy());
        }

        @Test
        void aRescanWithNothingChangedWritesOnlyLastSeen() {
            String c = "c2-" + UUID.randomUUID();
            List<ObservedAsset> seen = List.of(slot(c, "shop", "web", "1.0"), slot(c, "shop", "api", "2.0"));
            inventory.sync(c, seen, k -> false, null);
            List<Map<String, Object>> before = rows(c);
            long versionsBefore = versions(c);
            long auditBefore = db.count("audit_event");
            clock.advance(Duration.ofMinutes(5));
            InventoryStore.SyncResult r = inventory.sync(c, seen, k -> false, null);
            assertEquals(new InventoryStore.SyncResult(2, 0, 0, 2, 0, 0,
                    Map.of("Deployment", new KindCounts(2, 0, 0, 0)), List.of()), r);
            List<Map<String, Object>> after = rows(c);
            for (int i = 0; i < before.size(); i++) {
                Map<String, Object> b = new java.util.HashMap<>(before.get(i));
                Map<String, Object> a = new java.util.HashMap<>(after.get(i));
                a.remove("last_seen");
                b.remove("last_seen");
                assertEquals(b.toString(), a.toString(), "only last_seen changes");
            }
            assertTrue(all(c).stream().allMatch(x -> x.lastSeen().equals(clock.instant())));
            assertEquals(versionsBefore, versions(c));
            assertEquals(auditBefore, db.count("audit_event"));
        }

        @Test
        void aNewTagIsANewObservedVersionAndALabelChangeIsNot() {
            String c = "c3-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "shop", "web", "1.0")), k -> false, null);
            clock.advance(Duration.ofMinutes(1));
            InventoryStore.SyncResult r = inventory.sync(c, List.of(slot(c, "shop", "web", "1.1")), k -> false,
                    null);
            assertEquals(1, r.changed());
            assertEquals(1, r.versionsRecorded());
            ObservedAsset relabelled = new ObservedAsset(slot(c, "shop", "web", "1.1").key(), "nginx", "1.1", null,
                    Map.of("app", "web", "team", "b"), Map.of(), Map.of());
            r = inventory.sync(c, List.of(relabelled), k -> false, null);
            assertEquals(1, r.changed());
            assertEquals(0, r.versionsRecorded());
            Asset a = all(c).getFirst();
            assertEquals("1.1", a.currentTag());
            assertEquals("b", a.labels().get("team"));
            List<AssetVersion> v = assets.detail(a.id(), 10).orElseThrow().versions();
            assertEquals(List.of("1.1", "1.0"), v.stream().map(AssetVersion::tag).toList(), "newest first");
        }

        @Test
        void slotsNoLongerSeenAreMarkedGoneNotDeletedAndComeBack() {
            String c = "c4-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "shop", "web", "1.0"), slot(c, "shop", "api", "1.0")), k -> false,
                    null);
            clock.advance(Duration.ofMinutes(1));
            InventoryStore.SyncResult r = inventory.sync(c, List.of(slot(c, "shop", "web", "1.0")), k -> false,
                    null);
            assertEquals(1, r.gone());
            Asset api = all(c).stream().filter(a -> a.key().name().equals("api")).findFirst().orElseThrow();
            assertEquals(clock.instant(), api.goneAt());
            assertEquals(1, assets.list(new AssetFilter(null, c, null, null, null, null, true), null, 10).items().size());
            assertEquals(1, assets.list(new AssetFilter(null, c, null, null, null, null, false), null, 10).items()
                    .size());
            clock.advance(Duration.ofMinutes(1));
            r = inventory.sync(c, List.of(slot(c, "shop", "web", "1.0"), slot(c, "shop", "api", "1.0")),
                    k -> false, null);
            assertEquals(1, r.changed(), "a slot that comes back is rewritten (gone_at cleared)");
            assertEquals(0, r.versionsRecorded(), "same version as before it went");
            assertNull(all(c).stream().filter(a -> a.key().name().equals("api")).findFirst().orElseThrow().goneAt());
        }

        @Test
        void unlistedPartsAndOtherSourcesAreLeftAlone() {
            String c = "c5-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "shop", "web", "1.0"), slot(c, "secret", "vault", "1.0")),
                    k -> false, null);
            inventory.sync("other-" + c, List.of(new ObservedAsset(new AssetKey("static", c, "", "VM", "edge", ""), "proxy",
                    "2.0", null, Map.of(), Map.of(), Map.of())), k -> false, null);
            InventoryStore.SyncResult r = inventory.sync(c, List.of(slot(c, "shop", "web", "1.0")),
                    k -> k.namespace().equals("secret"), null);
            assertEquals(0, r.gone());
            assertTrue(all(c).stream().allMatch(a -> a.goneAt() == null));
        }

        @Test
        void anAssetRegisteredThroughTheApiIsAdoptedNotDuplicated() {
            String c = "c6-" + UUID.randomUUID();
            ObservedAsset s = slot(c, "shop", "web", "1.0");
            long id = assets.upsert(s.key(), "nginx", "0.9", null, Map.of(), Map.of(), "api:test").asset().id();
            InventoryStore.SyncResult r = inventory.sync(c, List.of(s), k -> false, null);
            assertEquals(0, r.added());
            assertEquals(1, r.changed());
            assertEquals(1, r.versionsRecorded());
            AssetDetail d = assets.detail(id, 10).orElseThrow();
            assertEquals(c, d.origin());
            assertEquals("1.0", d.asset().currentTag());
            assertEquals(List.of("1.0", "0.9"), d.versions().stream().map(AssetVersion::tag).toList());
            assertEquals("api:test", d.versions().getLast().observedBy());
            // the API changes it again: the next scan must not take the stale fingerprint for "unchanged"
            assets.upsert(s.key(), "nginx", "0.8", null, Map.of(), Map.of(), "api:test");
            r = inventory.sync(c, List.of(s), k -> false, null);
            assertEquals(1, r.changed());
            assertEquals("1.0", assets.find(id).orElseThrow().currentTag());
        }

        @Test
        void slotsThatCannotBeStoredAreRejectedAndTheRestStored() {
            String c = "c7-" + UUID.randomUUID();
            ObservedAsset tooLong = new ObservedAsset(new AssetKey("kubernetes", c, "shop", "Deployment", "big", "app"),
                    "nginx", "1.0", "sha512:" + "a".repeat(128), Map.of(), Map.of(), Map.of());
            ObservedAsset twice = slot(c, "shop", "web", "1.0");
            InventoryStore.SyncResult r = inventory.sync(c, List.of(tooLong, twice, twice), k -> false, null);
            assertEquals(1, r.added());
            assertEquals(2, r.rejected().size());
            assertTrue(r.rejected().getFirst().contains("digest"), r.rejected().toString());
            assertTrue(r.rejected().get(1).contains("twice"), r.rejected().toString());
        }

        @Test
        void aWorkloadEventReplacesOnlyThatWorkloadsSlots() {
            String c = "c8-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "shop", "web", "1.0"), slot(c, "shop", "api", "1.0")), k -> false,
                    null);
            ObservedAsset sidecar = new ObservedAsset(new AssetKey("kubernetes", c, "shop", "Deployment", "web",
                    "proxy"), "envoy", "1.30", null, Map.of(), Map.of(), Map.of());
            InventoryStore.SyncResult r = inventory.syncWorkload(c, "kubernetes", c, "shop", "Deployment", "web",
                    List.of(slot(c, "shop", "web", "1.1"), sidecar));
            assertEquals(1, r.added());
            assertEquals(1, r.changed());
            r = inventory.syncWorkload(c, "kubernetes", c, "shop", "Deployment", "web", List.of());
            assertEquals(2, r.gone());
            assertNull(all(c).stream().filter(a -> a.key().name().equals("api")).findFirst().orElseThrow().goneAt());
        }

        @Test
        void listFiltersBySourceNamespaceKindImageAndText() {
            String c = "c9-" + UUID.randomUUID();
            inventory.sync(c, List.of(slot(c, "shop", "web", "1.0"), slot(c, "pay", "ledger", "1.0"),
                    new ObservedAsset(new AssetKey("kubernetes", c, "shop", "CronJob", "Report_100%", "job"),
                            "ghcr.io/acme/report", "3", null, Map.of(), Map.of(), Map.of())), k -> false, null);
            assertEquals(List.of("web", "Report_100%"), names(new AssetFilter("kubernetes", c, "shop", null, null,
                    null, null)));
            assertEquals(List.of("Report_100%"), names(new AssetFilter(null, c, null, "CronJob", null, null, null)));
            assertEquals(List.of("Report_100%"), names(new AssetFilter(null, c, null, null, "ghcr.io/acme/report",
                    null, null)));
            assertEquals(List.of("ledger"), names(new AssetFilter(null, c, null, null, null, "LEDG", null)));
            assertEquals(List.of("Report_100%"), names(new AssetFilter(null, c, null, null, null, "_100%", null)),
                    "LIKE wildcards in q are literal");
            assertEquals(List.of(), names(new AssetFilter("docker", c, null, null, null, null, null)));
        }

        private List<String> names(AssetFilter f) {
            return assets.list(f, null, 50).items().stream().map(a -> a.key().name()).toList();
        }

        @Test
        void scanRunsAreRecordedWithTheirSourcesAndAudited() {
            long auditBefore = db.count("audit_event");
            long id = scans.start(List.of("prod"), "cli:tester");
            scans.recordSource(id, new ScanSourceResult("prod", "kubernetes", "PARTIAL", null,
                    List.of("namespace secret: forbidden"), 3, 1, 1, 1, 0, 2, 5,
                    Map.of("Deployment", new KindCounts(3, 1, 1, 0)), clock.instant(),
                    clock.instant().plusMillis(1500)));
            ScanRun run = scans.finish(id, "PARTIAL");
            assertEquals(List.of("prod"), run.requestedSources());
            assertNotNull(run.finishedAt());
            ScanSourceResult s = run.sources().getFirst();
            assertEquals(List.of("namespace secret: forbidden"), s.warnings());
            assertEquals(new KindCounts(3, 1, 1, 0), s.byKind().get("Deployment"));
            assertEquals(1500, s.durationMs());
            assertEquals(auditBefore + 1, db.count("audit_event"));
            assertEquals(id, scans.list(null, 1).items().getFirst().id());
        }
    }
}
