package dev.safeupdater.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.platform.KubernetesConnection;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.Workloads;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentListBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes source against fabric8's mock API server in CRUD mode (no real API server can run here; INFRA.md).
 * Paging is answered by expectations with continue tokens, since the CRUD mode ignores limit/continue.
 */
class KubernetesSourceTest {
    private static final String DIGEST = "sha256:" + "c".repeat(64);
    private static final List<WorkloadKind> ALL = List.of(WorkloadKind.values());

    @TempDir
    Path tmp;

    private MockCluster cluster;

    @BeforeEach
    void start() {
        cluster = MockCluster.start();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private KubernetesSource source(NamespaceSelection ns, String selector, List<WorkloadKind> kinds, boolean init,
                                    boolean optIn, int pageSize, boolean pullSecrets) {
        KubernetesConnection conn = new KubernetesConnection(cluster.kubeconfig(tmp, "mock"), "mock", false,
                Duration.ofSeconds(5), 0);
        return new KubernetesSource("prod", "prod-cluster", conn, ns, selector, kinds, init, optIn, pageSize,
                pullSecrets, false);
    }

    private KubernetesSource source() {
        return source(NamespaceSelection.all(), null, ALL, false, false, 500, false);
    }

    private static Set<String> slots(SourceScan scan) {
        return scan.assets().stream().map(a -> a.key().display() + "=" + a.image() + ":" + a.tag()
                + (a.digest() == null ? "" : "@" + a.digest())).collect(Collectors.toCollection(TreeSet::new));
    }

    private void fourKindsInTwoNamespaces() {
        for (String ns : List.of("shop", "payments")) {
            cluster.put(Workloads.namespace(ns));
            cluster.put(Workloads.of("Deployment", ns, "web").container("app", "nginx:1.25.3")
                    .container("sidecar", "ghcr.io/acme/proxy:2.0@" + DIGEST).init("migrate", "acme/migrate:7")
                    .label("team", "a").annotation("note", "x").build());
            cluster.put(Workloads.of("StatefulSet", ns, "db").container("pg", "postgres:16.1").build());
            cluster.put(Workloads.of("DaemonSet", ns, "agent").container("agent", "127.0.0.1:5000/ops/agent").build());
            cluster.put(Workloads.of("CronJob", ns, "report").container("job", "busybox:1.36").build());
        }
    }

    @Test
    void listsEveryContainerOfAllFourKindsInEveryNamespace() throws Exception {
        fourKindsInTwoNamespaces();
        SourceScan scan = source().scan(ScanProgress.NONE);
        Set<String> expected = new TreeSet<>();
        for (String ns : List.of("shop", "payments")) {
            String p = "kubernetes/prod-cluster/" + ns + "/";
            expected.add(p + "Deployment/web/app=nginx:1.25.3");
            expected.add(p + "Deployment/web/sidecar=ghcr.io/acme/proxy:2.0@" + DIGEST);
            expected.add(p + "StatefulSet/db/pg=postgres:16.1");
            expected.add(p + "DaemonSet/agent/agent=127.0.0.1:5000/ops/agent:latest");
            expected.add(p + "CronJob/report/job=busybox:1.36");
        }
        assertEquals(expected, slots(scan));
        ObservedAsset web = scan.assets().stream().filter(a -> a.key().container().equals("app")).findFirst()
                .orElseThrow();
        assertEquals(Map.of("team", "a"), web.labels());
        assertEquals(Map.of("note", "x"), web.annotations());
        assertTrue(scan.warnings().isEmpty(), scan.warnings().toString());
        assertTrue(scan.unlisted().isEmpty());
        assertEquals(4, scan.apiRequests(), "one cluster-wide list per kind");
    }

    @Test
    void initContainersAreOptInPerSourceAndPerWorkload() throws Exception {
        cluster.put(Workloads.of("Deployment", "shop", "plain").container("app", "nginx:1").init("init", "busybox:1")
                .build());
        cluster.put(Workloads.of("Deployment", "shop", "asks").container("app", "nginx:1").init("init", "busybox:1")
                .annotation("safe-updater.io/init-containers", "true").build());
        cluster.put(Workloads.of("Deployment", "shop", "refuses").container("app", "nginx:1")
                .init("init", "busybox:1").annotation("safe-updater.io/init-containers", "false").build());
        List<WorkloadKind> deployments = List.of(WorkloadKind.DEPLOYMENT);
        Set<String> off = containers(source(NamespaceSelection.all(), null, deployments, false, false, 500, false)
                .scan(ScanProgress.NONE));
        assertEquals(Set.of("plain/app", "asks/app", "asks/init", "refuses/app"), off);
        SourceScan onScan = source(NamespaceSelection.all(), null, deployments, true, false, 500, false)
                .scan(ScanProgress.NONE);
        assertEquals(Set.of("plain/app", "plain/init", "asks/app", "asks/init", "refuses/app"), containers(onScan));
        ObservedAsset init = onScan.assets().stream().filter(a -> a.key().container().equals("init")).findFirst()
                .orElseThrow();
        assertEquals(true, init.details().get("initContainer"));
    }

    private static Set<String> containers(SourceScan scan) {
        return scan.assets().stream().map(a -> a.key().name() + "/" + a.key().container()).collect(Collectors.toSet());
    }

    @Test
    void namespaceGlobsIncludeAndExclude() throws Exception {
        for (String ns : List.of("shop-a", "shop-b", "shop-test", "kube-system", "payments")) {
            cluster.put(Workloads.namespace(ns));
            cluster.put(Workloads.of("Deployment", ns, "web").container("app", "nginx:1").build());
        }
        SourceScan scan = source(new NamespaceSelection(List.of("shop-*", "pay*"), List.of("*-test")), null,
                List.of(WorkloadKind.DEPLOYMENT), false, false, 500, false).scan(ScanProgress.NONE);
        assertEquals(Set.of("shop-a", "shop-b", "payments"),
                scan.assets().stream().map(a -> a.key().namespace()).collect(Collectors.toSet()));
        assertEquals(1, scan.apiRequests(), "globs are applied to one cluster-wide list");

        int before = cluster.requests();
        SourceScan literal = source(new NamespaceSelection(List.of("shop-a", "payments", "shop-test"),
                List.of("*-test")), null, List.of(WorkloadKind.DEPLOYMENT), false, false, 500, false)
                .scan(ScanProgress.NONE);
        assertEquals(Set.of("shop-a", "payments"),
                literal.assets().stream().map(a -> a.key().namespace()).collect(Collectors.toSet()));
        assertEquals(2, literal.apiRequests(), "literal namespaces are listed one by one, the excluded one not at all");
        assertEquals(before + 2, cluster.requests());
    }

    @Test
    void annotationsOptOutOptInRestrictContainersAndLastAppliedIsDropped() throws Exception {
        cluster.put(Workloads.of("Deployment", "shop", "normal").container("app", "nginx:1")
                .annotation("kubectl.kubernetes.io/last-applied-configuration", "{\"env\":\"secret\"}")
                .annotation("safe-updater.io/policy", "critical").build());
        cluster.put(Workloads.of("Deployment", "shop", "out").container("app", "nginx:1")
                .annotation("safe-updater.io/enabled", "false").build());
        cluster.put(Workloads.of("Deployment", "shop", "in").container("app", "nginx:1").container("log", "fluent:2")
                .annotation("safe-updater.io/enabled", "true").annotation("safe-updater.io/containers", "app").build());
        List<WorkloadKind> d = List.of(WorkloadKind.DEPLOYMENT);
        SourceScan optOut = source(NamespaceSelection.all(), null, d, false, false, 500, false).scan(ScanProgress.NONE);
        assertEquals(Set.of("normal/app", "in/app"), containers(optOut));
        ObservedAsset normal = optOut.assets().stream().filter(a -> a.key().name().equals("normal")).findFirst()
                .orElseThrow();
        assertEquals(Map.of("safe-updater.io/policy", "critical"), normal.annotations());
        SourceScan optIn = source(NamespaceSelection.all(), null, d, false, true, 500, false).scan(ScanProgress.NONE);
        assertEquals(Set.of("in/app"), containers(optIn));
    }

    @Test
    void labelSelectorIsSentToTheApiServer() throws Exception {
        cluster.put(Workloads.of("Deployment", "shop", "backend").container("app", "nginx:1").label("tier", "backend")
                .build());
        cluster.put(Workloads.of("Deployment", "shop", "frontend").container("app", "nginx:1")
                .label("tier", "frontend").build());
        SourceScan scan = source(NamespaceSelection.all(), "tier=backend", List.of(WorkloadKind.DEPLOYMENT), false,
                false, 500, false).scan(ScanProgress.NONE);
        assertEquals(Set.of("backend/app"), containers(scan));
    }

    private static DeploymentListBuilder page(String cont, Long remaining, String... names) {
        DeploymentListBuilder b = new DeploymentListBuilder().withMetadata(new io.fabric8.kubernetes.api.model.ListMeta(
                cont, remaining, "77", null, null));
        for (String n : names) {
            b.addToItems((io.fabric8.kubernetes.api.model.apps.Deployment) Workloads.of("Deployment", "shop", n)
                    .container("app", "nginx:1." + n.length()).build());
        }
        return b;
    }

    @Test
    void listsArePagedWithLimitAndContinue() throws Exception {
        String base = "/apis/apps/v1/deployments?limit=2";
        cluster.server().expect().get().withPath(base).andReturn(200, page("t1", 3L, "a", "b").build()).once();
        cluster.server().expect().get().withPath(base + "&continue=t1").andReturn(200, page("t2", 1L, "c", "d").build())
                .once();
        cluster.server().expect().get().withPath(base + "&continue=t2").andReturn(200, page(null, null, "e").build())
                .once();
        List<String> progress = new ArrayList<>();
        SourceScan scan = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT), false, false, 2,
                false).scan((what, done, total) -> progress.add(what + " " + done + "/" + total));
        assertEquals(Set.of("a/app", "b/app", "c/app", "d/app", "e/app"), containers(scan));
        assertEquals(3, scan.apiRequests());
        assertEquals(List.of("Deployment 2/5", "Deployment 4/5", "Deployment 5/-1"), progress);
    }

    @Test
    void storedWorkloadsArePagedThroughLikeARealApiServerPagesThem() throws Exception {
        try (MockCluster paging = MockCluster.startPaging()) {
            for (int i = 0; i < 11; i++) {
                paging.put(Workloads.of("Deployment", "ns-" + (i % 3), "web-" + i).container("app", "nginx:1." + i)
                        .build());
            }
            KubernetesConnection conn = new KubernetesConnection(paging.kubeconfig(tmp, "paging"), null, false,
                    Duration.ofSeconds(5), 0);
            List<String> progress = new ArrayList<>();
            SourceScan scan = new KubernetesSource("prod", "prod", conn, NamespaceSelection.all(), null,
                    List.of(WorkloadKind.DEPLOYMENT), false, false, 4, false, false)
                    .scan((what, done, total) -> progress.add(done + "/" + total));
            assertEquals(11, scan.assets().size());
            assertEquals(11, containers(scan).size(), "no workload twice");
            assertEquals(3, scan.apiRequests(), "11 workloads in pages of 4");
            assertEquals(List.of("4/11", "8/11", "11/-1"), progress);
        }
    }

    @Test
    void anExpiredContinueTokenRestartsTheListWithoutDuplicates() throws Exception {
        String base = "/apis/apps/v1/deployments?limit=2";
        cluster.server().expect().get().withPath(base).andReturn(200, page("t1", 1L, "a", "b").build()).times(2);
        cluster.server().expect().get().withPath(base + "&continue=t1").andReturn(410, status(410, "Expired",
                "The provided continue parameter is too old")).once();
        cluster.server().expect().get().withPath(base + "&continue=t1").andReturn(200, page(null, null, "c").build())
                .once();
        SourceScan scan = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT), false, false, 2,
                false).scan(ScanProgress.NONE);
        assertEquals(3, scan.assets().size());
        assertEquals(Set.of("a/app", "b/app", "c/app"), containers(scan));
        assertEquals(4, scan.apiRequests());
    }

    private static Status status(int code, String reason, String message) {
        return new StatusBuilder().withCode(code).withReason(reason).withMessage(message).withStatus("Failure").build();
    }

    private static final String RUN_A = "sha256:" + "a".repeat(64);
    private static final String RUN_B = "sha256:" + "b".repeat(64);
    private static final String RUN_D = "sha256:" + "d".repeat(64);

    private KubernetesSource digestReading(MockCluster on, int pageSize) {
        KubernetesConnection conn = new KubernetesConnection(on.kubeconfig(tmp, "mock"), "mock", false, Duration.ofSeconds(5), 0);
        return new KubernetesSource("prod", "prod-cluster", conn, NamespaceSelection.all(), null, ALL, false, false,
                pageSize, false, false, tag -> !dev.safeupdater.version.ChangeClassifier.isExactVersion(tag));
    }

    @Test
    void containersOnMutableTagsGetTheDigestTheirPodsRun() throws Exception {
        cluster.put(Workloads.namespace("shop"));
        cluster.put(Workloads.namespace("other"));
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:latest")
                .container("sidecar", "nginx:1.25.3").build());
        cluster.put(Workloads.of("StatefulSet", "shop", "db").container("pg", "postgres:16").build());
        cluster.put(Workloads.of("Deployment", "shop", "pinned").container("cache", "redis:7@" + DIGEST).build());
        cluster.put(Workloads.of("Deployment", "shop", "exact").container("app", "nginx:1.25.3").build());
        // two pods run A, one pod of the previous rollout still runs another tag (not counted)
        cluster.put(Workloads.pod("shop", "web-1", "web", "app", "nginx:latest", "docker-pullable://nginx@" + RUN_A));
        cluster.put(Workloads.pod("shop", "web-2", "web", "app", "docker.io/library/nginx:latest",
                "docker.io/library/nginx@" + RUN_A));
        cluster.put(Workloads.pod("shop", "web-old-1", "web", "app", "nginx:1.24", "docker.io/library/nginx@" + RUN_B));
        cluster.put(Workloads.pod("shop", "web-old-2", "web", "app", "nginx:1.24", "docker.io/library/nginx@" + RUN_B));
        cluster.put(Workloads.pod("shop", "web-old-3", "web", "app", "nginx:1.24", "docker.io/library/nginx@" + RUN_B));
        // same labels in another namespace: another workload's pod
        cluster.put(Workloads.pod("other", "web-x", "web", "app", "nginx:latest", "docker.io/library/nginx@" + RUN_B));
        cluster.put(Workloads.pod("shop", "db-0", "db", "pg", "postgres:16", "docker.io/library/postgres@" + RUN_D));
        SourceScan scan = digestReading(cluster, 500).scan(ScanProgress.NONE);
        Set<String> expected = new TreeSet<>(List.of(
                "kubernetes/prod-cluster/shop/Deployment/web/app=nginx:latest@" + RUN_A,
                "kubernetes/prod-cluster/shop/Deployment/web/sidecar=nginx:1.25.3",
                "kubernetes/prod-cluster/shop/StatefulSet/db/pg=postgres:16@" + RUN_D,
                "kubernetes/prod-cluster/shop/Deployment/pinned/cache=redis:7@" + DIGEST,
                "kubernetes/prod-cluster/shop/Deployment/exact/app=nginx:1.25.3"));
        assertEquals(expected, slots(scan));
        ObservedAsset web = scan.assets().stream().filter(a -> a.key().name().equals("web")
                && a.key().container().equals("app")).findFirst().orElseThrow();
        assertEquals("pods", web.details().get("digestFrom"));
        assertTrue(scan.warnings().isEmpty(), scan.warnings().toString());
        // 4 workload lists, then one pod list per workload with a mutable tag (web, db): not per pod, not per cluster
        assertEquals(6, scan.apiRequests());
    }

    @Test
    void podListsArePagedAndAForbiddenPodListIsAWarningNotAFailure() throws Exception {
        try (MockCluster paging = MockCluster.startPaging()) {
            paging.put(Workloads.namespace("shop"));
            paging.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:stable").build());
            for (int i = 0; i < 5; i++) {
                paging.put(Workloads.pod("shop", "web-" + i, "web", "app", "nginx:stable", "nginx@" + RUN_A));
            }
            SourceScan scan = digestReading(paging, 2).scan(ScanProgress.NONE);
            assertEquals(RUN_A, scan.assets().getFirst().digest());
            // 4 kinds (one page each: nothing else stored) + 3 pages of 2 pods
            assertEquals(7, scan.apiRequests());
        }
        cluster.put(Workloads.namespace("shop"));
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:stable").build());
        cluster.server().expect().get().withPath("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb&limit=500")
                .andReturn(403, status(403, "Forbidden", "pods is forbidden")).once();
        SourceScan scan = digestReading(cluster, 500).scan(ScanProgress.NONE);
        assertEquals(1, scan.assets().size(), "the workload is still tracked");
        assertNull(scan.assets().getFirst().digest());
        assertEquals(1, scan.warnings().size(), scan.warnings().toString());
        assertTrue(scan.warnings().getFirst().contains("listing pods in namespace shop is forbidden"),
                scan.warnings().toString());
    }

    @Test
    void aForbiddenNamespaceIsReportedAndLeftOutWhileTheOthersAreListed() throws Exception {
        for (String ns : List.of("shop", "secret", "payments")) {
            cluster.put(Workloads.namespace(ns));
            cluster.put(Workloads.of("Deployment", ns, "web").container("app", "nginx:1").build());
        }
        cluster.server().expect().get().withPath("/apis/apps/v1/deployments?limit=500")
                .andReturn(403, status(403, "Forbidden", "deployments.apps is forbidden: cluster scope")).once();
        cluster.server().expect().get().withPath("/apis/apps/v1/namespaces/secret/deployments?limit=500")
                .andReturn(403, status(403, "Forbidden", "deployments.apps is forbidden in namespace secret")).once();
        SourceScan scan = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT), false, false, 500,
                false).scan(ScanProgress.NONE);
        assertEquals(Set.of("shop", "payments"),
                scan.assets().stream().map(a -> a.key().namespace()).collect(Collectors.toSet()));
        assertEquals(List.of(new SourceScan.Unlisted("secret", "Deployment")), scan.unlisted());
        assertEquals(1, scan.warnings().size());
        assertTrue(scan.warnings().getFirst().contains("namespace secret"), scan.warnings().toString());
        assertTrue(scan.warnings().getFirst().contains("403"), scan.warnings().toString());
        // 1 forbidden cluster-wide list + 1 namespace list + 3 namespaced lists
        assertEquals(5, scan.apiRequests());
    }

    @Test
    void forbiddenEverywhereFailsWithAnActionableMessage() {
        cluster.server().expect().get().withPath("/apis/apps/v1/deployments?limit=500")
                .andReturn(403, status(403, "Forbidden", "no")).once();
        cluster.server().expect().get().withPath("/api/v1/namespaces?limit=500")
                .andReturn(403, status(403, "Forbidden", "no")).once();
        SourceException e = assertThrows(SourceException.class, () -> source(NamespaceSelection.all(), null,
                List.of(WorkloadKind.DEPLOYMENT), false, false, 500, false).scan(ScanProgress.NONE));
        assertTrue(e.getMessage().contains("namespaces.include"), e.getMessage());
        assertTrue(e.getMessage().startsWith("prod: "), e.getMessage());
    }

    @Test
    void aKindTheClusterDoesNotServeIsReportedAndItsAssetsKept() throws Exception {
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:1").build());
        cluster.server().expect().get().withPath("/apis/batch/v1/cronjobs?limit=500")
                .andReturn(404, status(404, "NotFound", "the server could not find the requested resource")).once();
        SourceScan scan = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT,
                WorkloadKind.CRONJOB), false, false, 500, false).scan(ScanProgress.NONE);
        assertEquals(Set.of("web/app"), containers(scan));
        assertEquals(List.of(new SourceScan.Unlisted(null, "CronJob")), scan.unlisted());
    }

    @Test
    void aServerThatGoesAwayMidScanFailsTheSource() {
        String base = "/apis/apps/v1/deployments?limit=2";
        cluster.server().expect().get().withPath(base).andReturn(200, page("t1", 3L, "a", "b").build()).once();
        cluster.server().expect().get().withPath(base + "&continue=t1").andReturn(200, page(null, null, "c").build())
                .once();
        KubernetesSource source = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT), false,
                false, 2, false);
        SourceException e = assertThrows(SourceException.class, () -> source.scan((what, done, total) -> {
            if (done == 2) {
                cluster.stop(); // after the first page, before the second
            }
        }));
        assertTrue(e.getMessage().startsWith("prod: cannot list Deployment"), e.getMessage());
    }

    @Test
    void anUnknownContextOrUnreachableServerFailsClearly() throws Exception {
        KubernetesConnection wrongContext = new KubernetesConnection(cluster.kubeconfig(tmp, "mock"), "other",
                false, Duration.ofSeconds(2), 0);
        SourceException e = assertThrows(SourceException.class, () -> new KubernetesSource("prod", "prod",
                wrongContext, NamespaceSelection.all(), null, ALL, false, false, 500, false, false)
                .scan(ScanProgress.NONE));
        assertTrue(e.getMessage().contains("context \"other\""), e.getMessage());

        Path kubeconfig = cluster.kubeconfig(tmp, "mock");
        cluster.stop();
        KubernetesConnection down = new KubernetesConnection(kubeconfig, null, false, Duration.ofSeconds(2), 0);
        SourceException e2 = assertThrows(SourceException.class, () -> new KubernetesSource("prod", "prod", down,
                NamespaceSelection.all(), null, ALL, false, false, 500, false, false).scan(ScanProgress.NONE));
        assertTrue(e2.getMessage().startsWith("prod: cannot list Deployment from the API server"), e2.getMessage());
        assertFalse(e2.getMessage().contains("not-a-real-token"));
    }

    @Test
    void pullSecretsAreResolvedOnlyWhenConfiguredAndPermitted() throws Exception {
        String config = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("bob:hunter2".getBytes(StandardCharsets.UTF_8)) + "\"},"
                + "\"ghcr.io\":{\"username\":\"ci\",\"password\":\"tok\"}}}";
        cluster.put(new SecretBuilder().withNewMetadata().withNamespace("shop").withName("regcred").endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(".dockerconfigjson", Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)))
                .build());
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:1").pullSecret("regcred")
                .pullSecret("locked").build());
        cluster.server().expect().get().withPath("/api/v1/namespaces/shop/secrets/locked")
                .andReturn(403, status(403, "Forbidden", "secrets \"locked\" is forbidden")).once();

        SourceScan without = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT), false, false,
                500, false).scan(ScanProgress.NONE);
        assertTrue(without.pullSecrets().isEmpty());
        assertEquals(1, without.apiRequests(), "no secret is read unless pullSecrets is set");
        assertEquals(List.of("regcred", "locked"), without.assets().getFirst().details().get("imagePullSecrets"));

        SourceScan with = source(NamespaceSelection.all(), null, List.of(WorkloadKind.DEPLOYMENT), false, false, 500,
                true).scan(ScanProgress.NONE);
        assertEquals(1, with.pullSecrets().size());
        PullSecret s = with.pullSecrets().getFirst();
        assertEquals("shop/regcred", s.namespace() + "/" + s.name());
        Map<String, RegistryCredential> byRegistry = s.credentials().stream()
                .collect(Collectors.toMap(RegistryCredential::registry, c -> c));
        assertEquals("bob", byRegistry.get("docker.io").username());
        assertEquals("hunter2", byRegistry.get("docker.io").password());
        assertEquals("tok", byRegistry.get("ghcr.io").password());
        assertFalse(byRegistry.get("ghcr.io").toString().contains("tok"));
        assertEquals(1, with.warnings().size());
        assertTrue(with.warnings().getFirst().contains("shop/locked"), with.warnings().toString());
        assertNull(with.warnings().stream().filter(w -> w.contains("hunter2")).findAny().orElse(null));
    }

    @Test
    void anInvalidImageIsReportedAndTheRestOfTheWorkloadKept() throws Exception {
        cluster.put(Workloads.of("Deployment", "shop", "web").container("app", "nginx:1")
                .container("bad", "Not A Valid:Image").build());
        SourceScan scan = source().scan(ScanProgress.NONE);
        assertEquals(Set.of("web/app"), containers(scan));
        assertEquals(1, scan.warnings().size());
        assertTrue(scan.warnings().getFirst().contains("container bad"), scan.warnings().toString());
    }
}
