package dev.safeupdater.deploy;

import static dev.safeupdater.deploy.ManifestChecks.Db.EMBEDDED;
import static dev.safeupdater.deploy.ManifestChecks.Db.POSTGRES;
import static dev.safeupdater.deploy.ManifestChecks.Mode.CRONJOB;
import static dev.safeupdater.deploy.ManifestChecks.Mode.SERVER;
import static dev.safeupdater.deploy.ManifestChecks.perms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.testing.TestPaths;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kustomize overlays and components in deploy/kubernetes, rendered by the real {@code kubectl kustomize} (kubectl
 * 1.31, kustomize 5.4; no cluster needed) and checked like the Helm chart ({@link ManifestChecks}). Components are
 * combined the way an operator would, in a kustomization of their own that names an overlay and components.
 */
class KustomizeTest {
    static final Path K = TestPaths.repoRoot().resolve("deploy/kubernetes");

    @TempDir
    Path tmp;

    /** Renders an overlay alone. */
    Manifests overlay(String name) {
        return Manifests.load(Tool.kubectl().ok("kustomize", K.resolve("overlays").resolve(name).toString()).out());
    }

    /** Renders an overlay with components, through a kustomization of the operator's (kustomize wants relative paths). */
    Manifests overlay(String name, String... components) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "mine");
        StringBuilder k = new StringBuilder("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
        k.append("resources:\n  - ").append(dir.relativize(K.resolve("overlays").resolve(name))).append('\n');
        k.append("components:\n");
        for (String c : components) {
            k.append("  - ").append(dir.relativize(K.resolve("components").resolve(c))).append('\n');
        }
        Files.writeString(dir.resolve("kustomization.yaml"), k);
        return Manifests.load(Tool.kubectl().ok("kustomize", dir.toString()).out());
    }

    @Test
    void clusterWideReadsManyNamespacesByGlobWithReadOnlyRights() {
        Manifests m = overlay("cluster-wide");
        assertEquals(Map.of("ClusterRole", 1L, "ClusterRoleBinding", 1L, "ConfigMap", 3L, "Deployment", 1L,
                "Namespace", 1L, "NetworkPolicy", 1L, "Service", 1L, "ServiceAccount", 1L), m.kinds());
        List<InventorySource> sources = ManifestChecks.all(m, SERVER, POSTGRES, tmp);
        assertEquals(Map.of("ClusterRole", perms(ManifestChecks.readOnly().toArray(String[]::new))),
                ManifestChecks.permissions(m));
        assertEquals("restricted", m.one(Namespace.class).getMetadata().getLabels()
                .get("pod-security.kubernetes.io/enforce"), "the namespace enforces the restricted pod standard");
        assertEquals("safe-updater:0.1.0", m.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers()
                .get(0).getImage());
        // the inventory example: one source over many namespaces, with include and exclude globs
        assertEquals(1, sources.size());
        String inventory = m.named(ConfigMap.class, "safe-updater-inventory").orElseThrow().getData().get("inventory.yaml");
        assertTrue(inventory.contains("include: [\"team-*\", \"shop-*\"") && inventory.contains("exclude: [\"*-sandbox\""),
                inventory);
        // the shipped rule and policy set, from the base's copies
        var w = ManifestChecks.workload(m, SERVER);
        assertEquals(Set.of("default.drl"), ManifestChecks.files(m, w, "rules").keySet());
        assertEquals(Set.of("non-production.yaml", "production.yaml"), ManifestChecks.files(m, w, "policies").keySet());
    }

    @Test
    void namespacedHasNoClusterWidePermissionAtAll() {
        Manifests m = overlay("namespaced");
        assertEquals(Map.of("ConfigMap", 3L, "Deployment", 1L, "Namespace", 1L, "NetworkPolicy", 1L, "Role", 2L,
                "RoleBinding", 2L, "Service", 1L, "ServiceAccount", 1L), m.kinds());
        ManifestChecks.all(m, SERVER, POSTGRES, tmp);
        var readOnly = perms(ManifestChecks.readOnly().toArray(String[]::new));
        assertEquals(Map.of("Role/payments", readOnly, "Role/shop", readOnly), ManifestChecks.permissions(m));
        String inventory = m.named(ConfigMap.class, "safe-updater-inventory").orElseThrow().getData().get("inventory.yaml");
        assertTrue(inventory.contains("include: [shop, payments]"), "the overlay's own inventory replaced the base's: "
                + inventory);
    }

    @Test
    void cronJobRunsOnceWithTheSameReadOnlyRights() {
        Manifests m = overlay("cronjob");
        assertEquals(Map.of("ClusterRole", 1L, "ClusterRoleBinding", 1L, "ConfigMap", 3L, "CronJob", 1L,
                "Namespace", 1L, "NetworkPolicy", 1L, "ServiceAccount", 1L), m.kinds());
        ManifestChecks.all(m, CRONJOB, POSTGRES, tmp);
        var w = ManifestChecks.workload(m, CRONJOB);
        assertEquals("safe-updater:0.1.0", w.container().getImage(), "the overlay's images: also reaches the CronJob");
        assertEquals(Map.of("ClusterRole", perms(ManifestChecks.readOnly().toArray(String[]::new))),
                ManifestChecks.permissions(m));
    }

    @Test
    void componentsAddExactlyTheirPermissionsClusterWide() throws IOException {
        Manifests m = overlay("cluster-wide", "apply", "pull-secrets", "helm-releases", "monitoring");
        ManifestChecks.all(m, SERVER, POSTGRES, tmp);
        List<String> p = new ArrayList<>(ManifestChecks.readOnly());
        p.addAll(List.of("apps/deployments:get", "apps/deployments:patch", "apps/statefulsets:get",
                "apps/statefulsets:patch", "apps/daemonsets:get", "apps/daemonsets:patch", "batch/cronjobs:get",
                "batch/cronjobs:patch", "batch/jobs:list", "core/secrets:get#regcred", "core/secrets:get#ghcr-pull", "core/secrets:list"));
        assertEquals(Map.of("ClusterRole", new TreeSet<>(p)), ManifestChecks.permissions(m));
        assertEquals("true", HelmChartTest.envOf(m.one(Deployment.class)).get("SAFE_UPDATER_APPLY_ENABLED"));
        GenericKubernetesResource rule = m.generic("PrometheusRule").get(0);
        assertEquals("safe-updater", rule.getMetadata().getNamespace());
        MonitoringTest.promtoolCheckRules(MonitoringTest.spec(rule), tmp);
        ConfigMap dash = m.named(ConfigMap.class, "safe-updater-dashboard").orElseThrow();
        assertEquals("1", dash.getMetadata().getLabels().get("grafana_dashboard"));
        JsonNode json = MonitoringTest.JSON.readTree(dash.getData().get("safe-updater.json"));
        assertEquals("Safe Updater", json.path("title").asText());
    }

    @Test
    void componentsAddTheirRulesToEveryNamespacedRole() throws IOException {
        Manifests m = overlay("namespaced", "apply", "pull-secrets");
        ManifestChecks.all(m, SERVER, POSTGRES, tmp);
        List<String> p = new ArrayList<>(ManifestChecks.readOnly());
        p.addAll(List.of("apps/deployments:get", "apps/deployments:patch", "apps/statefulsets:get",
                "apps/statefulsets:patch", "apps/daemonsets:get", "apps/daemonsets:patch", "batch/cronjobs:get",
                "batch/cronjobs:patch", "batch/jobs:list", "core/secrets:get#regcred", "core/secrets:get#ghcr-pull"));
        var expected = new TreeSet<>(p);
        assertEquals(Map.of("Role/payments", expected, "Role/shop", expected), ManifestChecks.permissions(m));
    }

    @Test
    void embeddedDatabaseComponentRunsOneReplicaOnAVolume() throws IOException {
        Manifests server = overlay("cluster-wide", "embedded-db");
        ManifestChecks.all(server, SERVER, EMBEDDED, tmp);
        Deployment d = server.one(Deployment.class);
        assertEquals(1, d.getSpec().getReplicas());
        assertEquals("Recreate", d.getSpec().getStrategy().getType());
        assertTrue(d.getSpec().getStrategy().getRollingUpdate() == null);
        assertEquals(1, server.kinds().get("PersistentVolumeClaim"));

        Manifests job = overlay("cronjob", "embedded-db", "apply");
        ManifestChecks.all(job, CRONJOB, EMBEDDED, tmp);
        var w = ManifestChecks.workload(job, CRONJOB);
        assertTrue(w.pod().getVolumes().stream().anyMatch(v -> v.getPersistentVolumeClaim() != null
                && v.getPersistentVolumeClaim().getClaimName().equals("safe-updater-data")));
        assertTrue(w.container().getEnv().stream().anyMatch(e -> e.getName().equals("SAFE_UPDATER_APPLY_ENABLED")
                && "true".equals(e.getValue())));
    }
}
