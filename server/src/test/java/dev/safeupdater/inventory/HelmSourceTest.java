package dev.safeupdater.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.platform.KubernetesConnection;
import dev.safeupdater.testing.HelmReleases;
import dev.safeupdater.testing.MockCluster;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm source reads release Secrets (built here in Helm's storage format) from fabric8's mock API server in CRUD
 * mode (no real API server can run here).
 */
class HelmSourceTest {
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

    private HelmSource source(NamespaceSelection ns, Map<String, String> chartSources) {
        return new HelmSource("prod-helm", "prod", new KubernetesConnection(cluster.kubeconfig(tmp, "mock"), null,
                false, Duration.ofSeconds(5), 0), ns, chartSources, 500);
    }

    private static Map<String, ObservedAsset> byRelease(SourceScan scan) {
        return scan.assets().stream().collect(Collectors.toMap(a -> a.key().namespace() + "/" + a.key().name(),
                a -> a));
    }

    @Test
    void theDeployedRevisionIsCurrentAndTheHistoryIsKept() throws Exception {
        cluster.put(HelmReleases.secret("shop", "web", 1, "superseded", "demo", "0.1.0", "1.24.0", Map.of()));
        cluster.put(HelmReleases.secret("shop", "web", 2, "deployed", "demo", "0.2.0", "1.25.0", Map.of()));
        cluster.put(HelmReleases.secret("shop", "web", 3, "failed", "demo", "0.3.0", "1.26.0", Map.of()));
        SourceScan scan = source(NamespaceSelection.all(), Map.of()).scan(ScanProgress.NONE);
        assertEquals(1, scan.assets().size());
        ObservedAsset web = scan.assets().getFirst();
        assertEquals("helm/prod/shop/HelmRelease/web", web.key().display());
        assertEquals("0.2.0", web.tag());
        assertEquals("demo", web.image(), "no chart source known: the bare chart name");
        Map<String, Object> d = web.details();
        assertEquals(2, d.get("revision"));
        assertEquals("deployed", d.get("status"));
        assertEquals("demo", d.get("chart"));
        assertEquals("0.2.0", d.get("chartVersion"));
        assertEquals("1.25.0", d.get("appVersion"));
        assertEquals(3, d.get("latestRevision"));
        assertEquals("failed", d.get("latestStatus"));
        assertEquals(List.of(3, 2, 1), ((List<?>) d.get("revisions")).stream()
                .map(r -> ((Map<?, ?>) r).get("revision")).toList());
        assertTrue(scan.warnings().isEmpty(), scan.warnings().toString());
    }

    @Test
    void aReleaseThatNeverDeployedReportsItsNewestRevisionAndAnUninstalledOneIsNotRunning() throws Exception {
        cluster.put(HelmReleases.secret("shop", "new", 1, "pending-install", "demo", "1.0.0", "1", Map.of()));
        cluster.put(HelmReleases.secret("shop", "old", 1, "superseded", "demo", "0.9.0", "1", Map.of()));
        cluster.put(HelmReleases.secret("shop", "old", 2, "uninstalled", "demo", "1.0.0", "1", Map.of()));
        Map<String, ObservedAsset> r = byRelease(source(NamespaceSelection.all(), Map.of()).scan(ScanProgress.NONE));
        assertEquals(Set.of("shop/new"), r.keySet());
        assertEquals("pending-install", r.get("shop/new").details().get("status"));
    }

    @Test
    void chartSourcesComeFromConfigurationOrTheChartAnnotation() throws Exception {
        cluster.put(HelmReleases.secret("shop", "web", 1, "deployed", "demo", "0.1.0", "1", Map.of()));
        cluster.put(HelmReleases.secret("pay", "web", 1, "deployed", "demo", "0.1.0", "1", Map.of()));
        cluster.put(HelmReleases.secret("ops", "mon", 1, "deployed", "monitor", "2.0.0", "1",
                Map.of("safe-updater.io/chart-source", "https://charts.example.com/stable")));
        cluster.put(HelmReleases.secret("ops", "bad", 1, "deployed", "weird", "1.0.0", "1",
                Map.of("safe-updater.io/chart-source", "ftp://nope")));
        SourceScan scan = source(NamespaceSelection.all(), Map.of(
                "demo", "oci://127.0.0.1:5000/charts",
                "pay/web", "https://internal.example.com/helm/")).scan(ScanProgress.NONE);
        Map<String, ObservedAsset> r = byRelease(scan);
        assertEquals("oci://127.0.0.1:5000/charts/demo", r.get("shop/web").image());
        assertEquals("https://internal.example.com/helm/demo", r.get("pay/web").image(), "per-release mapping wins");
        assertEquals("https://charts.example.com/stable/monitor", r.get("ops/mon").image());
        assertEquals("https://charts.example.com/stable/monitor", r.get("ops/mon").details().get("chartSource"));
        assertEquals("weird", r.get("ops/bad").image());
        assertNull(r.get("ops/bad").details().get("chartSource"));
        assertEquals(1, scan.warnings().size());
        assertTrue(scan.warnings().getFirst().contains("ftp://nope"), scan.warnings().toString());
        assertEquals(Map.of("safe-updater.io/chart-source", "https://charts.example.com/stable"),
                r.get("ops/mon").annotations(), "chart annotations are the asset's annotations");
    }

    @Test
    void releaseValuesAreNeverReadIntoTheInventory() throws Exception {
        cluster.put(HelmReleases.secret("shop", "web", 1, "deployed", "demo", "0.1.0", "1", Map.of()));
        ObservedAsset web = source(NamespaceSelection.all(), Map.of()).scan(ScanProgress.NONE).assets().getFirst();
        String json = new ObjectMapper().writeValueAsString(web);
        assertFalse(json.contains("s3cret-helm-value"), json);
        assertFalse(json.contains("kind: Deployment"), "templates and manifest are skipped");
    }

    @Test
    void unreadableSecretsAreReportedOthersOfTheLabelIgnoredAndNamespacesFiltered() throws Exception {
        cluster.put(HelmReleases.secret("shop", "plain", 1, "deployed", "demo", "0.1.0", "1", Map.of(), false));
        cluster.put(new SecretBuilder().withNewMetadata().withNamespace("shop").withName("sh.helm.release.v1.bad.v1")
                .addToLabels("owner", "helm").endMetadata().withType("helm.sh/release.v1")
                .addToData("release", "bm90IGd6aXA=").build());
        cluster.put(new SecretBuilder().withNewMetadata().withNamespace("shop").withName("helm-token")
                .addToLabels("owner", "helm").endMetadata().withType("Opaque").addToData("x", "eA==").build());
        cluster.put(HelmReleases.secret("kube-system", "cni", 1, "deployed", "cni", "1.0.0", "1", Map.of()));
        SourceScan scan = source(new NamespaceSelection(null, List.of("kube-*")), Map.of()).scan(ScanProgress.NONE);
        assertEquals(Set.of("shop/plain"), byRelease(scan).keySet(), "uncompressed release JSON is read too");
        assertEquals(1, scan.warnings().size());
        assertTrue(scan.warnings().getFirst().startsWith("Secret shop/sh.helm.release.v1.bad.v1"),
                scan.warnings().toString());
    }
}
