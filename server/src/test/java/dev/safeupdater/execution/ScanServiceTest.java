package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import dev.safeupdater.model.KindCounts;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.inventory.ScanProgress;
import dev.safeupdater.inventory.SourceScan;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.ScanSourceResult;
import dev.safeupdater.store.ScanStore;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.Workloads;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scans end to end: sources from an inventory file, a Kubernetes cluster on fabric8's mock API server (CRUD mode; no
 * real API server can run here), a static file and a Docker engine that is not there, into H2 and PostgreSQL.
 */
class ScanServiceTest {

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

    /** The sources, cluster and database every test here starts from. */
    abstract static class Base {
        private final TestDatabase.Kind kind;
        @TempDir
        Path tmp;
        MockCluster cluster;
        TestDatabase db;
        final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T08:00:00Z"));
        ScanService scans;
        AssetStore assets;

        Base(TestDatabase.Kind kind) {
            this.kind = kind;
        }

        @BeforeEach
        void setUp() throws Exception {
            cluster = MockCluster.start();
            db = TestDatabase.create(kind);
            for (String ns : List.of("shop", "secret", "pay")) {
                cluster.put(Workloads.namespace(ns));
                cluster.put(Workloads.of("Deployment", ns, "web").container("app", "nginx:1.25.3").build());
            }
            cluster.put(Workloads.of("StatefulSet", "shop", "db").container("pg", "postgres:16.1").build());
            Files.writeString(tmp.resolve("assets.yaml"), """
                    assets:
                      - kind: Appliance
                        name: edge-proxy
                        image: registry.example.com/edge/proxy:2.4.1
                    """);
            cluster.kubeconfig(tmp, "mock");
            Files.writeString(tmp.resolve("inventory.yaml"), """
                    sources:
                      - name: prod
                        type: kubernetes
                        kubeconfig: kubeconfig-mock
                        context: mock
                        kinds: [Deployment, StatefulSet]
                        watch: true
                        requestTimeout: 5s
                        retries: 0
                      - name: edge
                        type: static
                        file: assets.yaml
                      - name: laptop
                        type: docker
                        host: unix:///nonexistent/safe-updater-test/docker.sock
                        timeout: 5s
                    """);
            scans = service(InventoryConfig.load(tmp.resolve("inventory.yaml")));
            assets = new AssetStore(db.database(), clock);
        }

        ScanService service(List<InventorySource> sources) {
            return new ScanService(sources, new InventoryStore(db.database(), clock),
                    new ScanStore(db.database(), clock), clock);
        }

        @AfterEach
        void tearDown() {
            scans.close();
            cluster.close();
            db.close();
        }

        List<Asset> current(String source) {
            return assets.list(new AssetFilter(source, null, null, null, null, null, false), null, 500).items();
        }

        static Map<String, ScanSourceResult> bySource(ScanRun run) {
            return run.sources().stream().collect(Collectors.toMap(ScanSourceResult::name, s -> s));
        }
    }

    abstract static class Contract extends Base {
        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @Test
        void everySourceIsReportedAndAFailingOneDoesNotStopTheOthers() {
            ScanRun run = scans.scan(null, "test", ScanListener.NONE);
            assertEquals("PARTIAL", run.status());
            Map<String, ScanSourceResult> r = bySource(run);
            assertEquals("SUCCEEDED", r.get("prod").status());
            assertEquals(4, r.get("prod").added());
            assertEquals(new KindCounts(3, 3, 0, 0), r.get("prod").byKind().get("Deployment"));
            assertEquals(2, r.get("prod").apiRequests());
            assertEquals("SUCCEEDED", r.get("edge").status());
            assertEquals("FAILED", r.get("laptop").status());
            assertTrue(r.get("laptop").error().startsWith("laptop: cannot reach the Docker engine"),
                    r.get("laptop").error());
            assertEquals(4, current("kubernetes").size());
            assertEquals("2.4.1", current("static").getFirst().currentTag());
            assertEquals(run, scans.find(run.id()));
        }

        @Test
        void aNewServiceShowsWhatTheStoreTracksAtOnceAndEveryPlatformKindAtZero() {
            scans.scan(List.of("prod", "edge"), "test", ScanListener.NONE);
            new ScanMetrics().tracked(List.of()); // as in a new process: nothing counted yet
            assertEquals(0, tracked("kubernetes", "Deployment"));
            service(List.of()).close(); // a restart: the gauges are set before any scan
            assertEquals(3, tracked("kubernetes", "Deployment"));
            assertEquals(1, tracked("static", "Appliance"));
            assertEquals(0, tracked("helm", "HelmRelease"), "a kind nothing lists yet is there, at 0");
        }

        private static double tracked(String source, String kind) {
            return io.helidon.service.registry.Services.get(io.helidon.metrics.api.MeterRegistry.class)
                    .meter(io.helidon.metrics.api.Gauge.class, "safe_updater_assets_tracked",
                            List.of(io.helidon.metrics.api.Tag.create("source", source),
                                    io.helidon.metrics.api.Tag.create("kind", kind)))
                    .orElseThrow(() -> new AssertionError("no gauge for " + source + "/" + kind))
                    .value().doubleValue();
        }

        @Test
        void aRescanWithNothingChangedChangesNothingButLastSeen() {
            scans.scan(List.of("prod", "edge"), "test", ScanListener.NONE);
            clock.advance(Duration.ofMinutes(10));
            ScanRun again = scans.scan(List.of("prod", "edge"), "test", ScanListener.NONE);
            assertEquals("SUCCEEDED", again.status());
            for (ScanSourceResult s : again.sources()) {
                assertEquals(0, s.added() + s.changed() + s.gone() + s.versionsRecorded(), s.toString());
                assertEquals(s.seen(), s.unchanged());
            }
            assertTrue(current("kubernetes").stream().allMatch(a -> a.lastSeen().equals(clock.instant())));
            assertTrue(current("kubernetes").stream().allMatch(a -> a.firstSeen().isBefore(clock.instant())));
        }

        @Test
        void aSourceThatFailsLeavesItsPreviousInventoryUntouched() throws Exception {
            scans.scan(List.of("prod", "edge"), "test", ScanListener.NONE);
            List<Asset> before = current("kubernetes");
            List<Asset> edgeBefore = current("static");
            clock.advance(Duration.ofMinutes(10));
            cluster.server().expect().get().withPath("/apis/apps/v1/deployments?limit=500")
                    .andReturn(500, new StatusBuilder().withCode(500).withMessage("etcdserver: request timed out")
                            .build()).once();
            Files.writeString(tmp.resolve("assets.yaml"), "assets:\n  - kind: Appliance\n");
            ScanRun run = scans.scan(List.of("prod", "edge"), "test", ScanListener.NONE);
            assertEquals("FAILED", run.status());
            Map<String, ScanSourceResult> r = bySource(run);
            assertTrue(r.get("prod").error().contains("etcdserver: request timed out"), r.get("prod").error());
            assertTrue(r.get("edge").error().contains("assets[0].name: is required"), r.get("edge").error());
            assertEquals(before, current("kubernetes"), "nothing marked gone, not even last_seen moved");
            assertEquals(edgeBefore, current("static"));

            cluster.stop();
            ScanRun down = scans.scan(List.of("prod"), "test", ScanListener.NONE);
            assertEquals("FAILED", down.status());
            assertEquals(before, current("kubernetes"));
        }

        @Test
        void aForbiddenNamespaceKeepsItsAssetsWhileOthersAreSynced() {
            scans.scan(List.of("prod"), "test", ScanListener.NONE);
            cluster.client().apps().deployments().inNamespace("pay").withName("web").delete();
            clock.advance(Duration.ofMinutes(10));
            cluster.server().expect().get().withPath("/apis/apps/v1/deployments?limit=500")
                    .andReturn(403, new StatusBuilder().withCode(403).withMessage("cluster scope forbidden").build())
                    .once();
            cluster.server().expect().get().withPath("/apis/apps/v1/namespaces/secret/deployments?limit=500")
                    .andReturn(403, new StatusBuilder().withCode(403).withMessage("forbidden").build()).once();
            ScanRun run = scans.scan(List.of("prod"), "test", ScanListener.NONE);
            ScanSourceResult prod = run.sources().getFirst();
            assertEquals("PARTIAL", prod.status());
            assertEquals(1, prod.gone(), "pay/web was deleted");
            assertEquals(1, prod.warnings().size());
            Map<String, Asset> now = current("kubernetes").stream()
                    .collect(Collectors.toMap(a -> a.key().namespace() + "/" + a.key().name(), a -> a));
            assertTrue(now.containsKey("secret/web"), "the forbidden namespace keeps its asset");
            assertTrue(now.get("secret/web").lastSeen().isBefore(clock.instant()), "but it was not seen");
            assertTrue(!now.containsKey("pay/web"));
        }

        @Test
        void pullSecretCredentialsAreHeldInMemoryForTheRegistryStage() throws Exception {
            String config = "{\"auths\":{\"registry.example.com\":{\"username\":\"ci\",\"password\":\"tok\"}}}";
            cluster.put(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace("shop")
                    .withName("regcred").endMetadata().withType("kubernetes.io/dockerconfigjson")
                    .addToData(".dockerconfigjson", java.util.Base64.getEncoder().encodeToString(config.getBytes()))
                    .build());
            cluster.put(Workloads.of("Deployment", "shop", "private").container("app", "registry.example.com/app:1")
                    .pullSecret("regcred").build());
            Files.writeString(tmp.resolve("secrets.yaml"), "sources:\n"
                    + "  - {name: prod, type: kubernetes, kubeconfig: kubeconfig-mock, kinds: [Deployment],"
                    + " pullSecrets: true}\n");
            try (ScanService withSecrets = service(InventoryConfig.load(tmp.resolve("secrets.yaml")))) {
                withSecrets.scan(null, "test", ScanListener.NONE);
                Asset app = current("kubernetes").stream().filter(a -> a.key().name().equals("private")).findFirst()
                        .orElseThrow();
                var cred = withSecrets.pullCredentials().forAsset(app.key(), List.of("regcred"),
                        "registry.example.com");
                assertEquals("ci", cred.orElseThrow().username());
                assertTrue(withSecrets.pullCredentials().forAsset(app.key(), List.of("regcred"), "ghcr.io").isEmpty());
                assertEquals(1, withSecrets.pullCredentials().size());
                String stored = db.database().jdbi().withHandle(h -> h.createQuery("SELECT details FROM asset"
                        + " WHERE id = :id").bind("id", app.id()).mapTo(String.class).one());
                assertTrue(stored.contains("regcred") && !stored.contains("tok"), stored);
            }
        }

        @Test
        void unknownSourcesAreRefusedBeforeAnythingRuns() {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> scans.scan(List.of("prod", "nope"), "test", ScanListener.NONE));
            assertEquals("source", e.errors().getFirst().field());
            assertTrue(e.getMessage().contains("configured: prod, edge, laptop"), e.getMessage());
            assertEquals(0, db.count("scan_run"));
            ScanService none = service(List.of());
            assertThrows(InvalidInputException.class, () -> none.scan(null, "test", ScanListener.NONE));
        }

        @Test
        void oneScanAtATime() throws Exception {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            InventorySource slow = new InventorySource() {
                @Override
                public String name() {
                    return "slow";
                }

                @Override
                public String type() {
                    return "static";
                }

                @Override
                public SourceScan scan(ScanProgress progress) {
                    entered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return new SourceScan(List.of(new ObservedAsset(new AssetKey("static", "", "", "VM", "a", ""),
                            "x", "1", null, Map.of(), Map.of(), Map.of())), List.of(), List.of(), 0, List.of());
                }
            };
            try (ScanService service = service(List.of(slow))) {
                ExecutorService pool = Executors.newSingleThreadExecutor();
                Future<ScanRun> first = pool.submit(() -> service.scan(null, "a", ScanListener.NONE));
                assertTrue(entered.await(10, TimeUnit.SECONDS));
                assertThrows(ScanInProgressException.class, () -> service.scan(null, "b", ScanListener.NONE));
                release.countDown();
                assertEquals("SUCCEEDED", first.get(10, TimeUnit.SECONDS).status());
                pool.shutdown();
            }
        }

        @Test
        void theListenerFollowsEachSource() {
            StringBuilder events = new StringBuilder();
            scans.scan(List.of("edge", "laptop"), "test", new ScanListener() {
                @Override
                public void sourceStarted(String name, String type, int index, int count) {
                    events.append("start ").append(name).append(' ').append(index + 1).append('/').append(count)
                            .append(';');
                }

                @Override
                public void storing(String name, int n) {
                    events.append("store ").append(name).append(' ').append(n).append(';');
                }

                @Override
                public void sourceFinished(ScanSourceResult r) {
                    events.append("done ").append(r.name()).append(' ').append(r.status()).append(';');
                }
            });
            assertEquals("start edge 1/2;store edge 1;done edge SUCCEEDED;start laptop 2/2;done laptop FAILED;",
                    events.toString());
        }
    }

    /** Watch mode on H2 only: the store behaviour it relies on is covered on both databases above. */
    @Nested
    class Watching extends Base {
        Watching() {
            super(TestDatabase.Kind.H2);
        }

        private void await(String what, BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting until " + what);
                }
                Thread.sleep(50);
            }
        }

        private Asset find(String ns, String name) {
            return assets.list(new AssetFilter("kubernetes", null, ns, null, null, name, null), null, 10).items()
                    .stream().filter(a -> a.key().name().equals(name)).findFirst().orElse(null);
        }

        @Test
        void watchEventsKeepTheInventoryCurrentBetweenScans() throws Exception {
            scans.enableWatch();
            scans.scan(List.of("prod"), "test", ScanListener.NONE);
            assertEquals(Map.of("prod", 2), scans.openWatches(), "one watch per kind, cluster-wide");

            cluster.client().apps().deployments().inNamespace("shop").withName("web").edit(d -> {
                d.getSpec().getTemplate().getSpec().getContainers().getFirst().setImage("nginx:1.25.4");
                return d;
            });
            await("shop/web runs 1.25.4", () -> "1.25.4".equals(find("shop", "web").currentTag()));
            assertEquals(2, assets.detail(find("shop", "web").id(), 10).orElseThrow().versions().size());

            cluster.client().apps().deployments().inNamespace("pay").withName("web").delete();
            await("pay/web is gone", () -> find("pay", "web").goneAt() != null);

            cluster.client().apps().deployments().inNamespace("pay")
                    .resource((Deployment) Workloads.of("Deployment", "pay", "ledger").container("app", "ledger:3.0")
                            .build()).create();
            await("pay/ledger appears", () -> find("pay", "ledger") != null);

            cluster.client().apps().deployments().inNamespace("shop").withName("web").edit(d -> {
                d.getMetadata().getAnnotations().put("safe-updater.io/enabled", "false");
                return d;
            });
            await("shop/web opted out", () -> find("shop", "web").goneAt() != null);
        }

        /** A watched change to a mutable tag reads the digest the workload's pods run, as a full scan does. */
        @Test
        void aWatchedMoveToAMutableTagGetsTheDigestItsPodsRun() throws Exception {
            String running = "sha256:" + "e".repeat(64);
            cluster.put(Workloads.pod("shop", "web-1", "web", "app", "nginx:latest", "docker.io/library/nginx@"
                    + running));
            try (ScanService digests = service(InventoryConfig.load(tmp.resolve("inventory.yaml"),
                    tag -> !dev.safeupdater.version.ChangeClassifier.isExactVersion(tag)))) {
                digests.enableWatch();
                digests.scan(List.of("prod"), "test", ScanListener.NONE);
                assertEquals(null, find("shop", "web").currentDigest(), "1.25.3 is exact: no pod is asked");
                cluster.client().apps().deployments().inNamespace("shop").withName("web").edit(d -> {
                    d.getSpec().getTemplate().getSpec().getContainers().getFirst().setImage("nginx:latest");
                    return d;
                });
                await("shop/web runs latest at the pods' digest", () -> "latest".equals(find("shop", "web").currentTag())
                        && running.equals(find("shop", "web").currentDigest()));
            }
        }

        @Test
        void anOpenWatchToldItsResourceVersionExpiredTriggersAFullResync() throws Exception {
            Deployment web = (Deployment) Workloads.of("Deployment", "shop", "web").container("app", "nginx:1.25.3")
                    .build();
            cluster.server().expect().get().withPath("/apis/apps/v1/deployments?limit=500")
                    .andReturn(200, new io.fabric8.kubernetes.api.model.apps.DeploymentListBuilder()
                            .withMetadata(new io.fabric8.kubernetes.api.model.ListMeta(null, null, "555", null, null))
                            .withItems(web).build()).once();
            // the watch connects, then the API server sends the ERROR event it sends when the version is compacted
            cluster.server().expect().get()
                    .withPath("/apis/apps/v1/deployments?allowWatchBookmarks=true&resourceVersion=555&watch=true")
                    .andUpgradeToWebSocket().open()
                    .waitFor(300).andEmit(new io.fabric8.kubernetes.api.model.WatchEvent(new StatusBuilder()
                            .withCode(410).withReason("Expired").withMessage("too old resource version").build(),
                            "ERROR"))
                    .done().once();
            scans.enableWatch();
            scans.scan(List.of("prod"), "test", ScanListener.NONE);
            await("a full resync scan started by the watch", () -> scans.list(null, 10).items().stream()
                    .anyMatch(r -> r.actor().equals("watch") && r.finishedAt() != null));
            assertEquals(4, current("kubernetes").size(), "the resync listed everything again");
        }

        @Test
        void anExpiredResourceVersionTriggersAFullResync() throws Exception {
            // the list answers with resourceVersion 12345; a watch from there is told it expired, as a real API
            // server does once that version was compacted away
            Deployment web = (Deployment) Workloads.of("Deployment", "shop", "web").container("app", "nginx:1.25.3")
                    .build();
            cluster.server().expect().get().withPath("/apis/apps/v1/deployments?limit=500")
                    .andReturn(200, new io.fabric8.kubernetes.api.model.apps.DeploymentListBuilder()
                            .withMetadata(new io.fabric8.kubernetes.api.model.ListMeta(null, null, "12345", null,
                                    null))
                            .withItems(web).build()).once();
            cluster.server().expect().get()
                    .withPath("/apis/apps/v1/deployments?allowWatchBookmarks=true&resourceVersion=12345&watch=true")
                    .andReturn(410, new StatusBuilder().withCode(410).withReason("Expired")
                            .withMessage("too old resource version: 12345 (99999)").build()).once();
            scans.enableWatch();
            ScanRun first = scans.scan(List.of("prod"), "test", ScanListener.NONE);
            assertEquals(1, first.sources().getFirst().byKind().get("Deployment").seen());
            await("a full resync scan started by the watch", () -> scans.list(null, 10).items().stream()
                    .anyMatch(r -> r.actor().equals("watch") && r.finishedAt() != null));
            ScanRun resync = scans.list(null, 10).items().stream().filter(r -> r.actor().equals("watch"))
                    .findFirst().orElseThrow();
            assertEquals("SUCCEEDED", resync.status());
            assertEquals(3, resync.sources().getFirst().byKind().get("Deployment").seen(),
                    "the resync listed the cluster again");
            await("the watch is open again", () -> scans.openWatches().containsKey("prod"));
        }
    }
}
