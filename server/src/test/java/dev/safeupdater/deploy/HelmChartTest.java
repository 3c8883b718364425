package dev.safeupdater.deploy;

import static dev.safeupdater.deploy.ManifestChecks.Db.EMBEDDED;
import static dev.safeupdater.deploy.ManifestChecks.Db.POSTGRES;
import static dev.safeupdater.deploy.ManifestChecks.Mode.CRONJOB;
import static dev.safeupdater.deploy.ManifestChecks.Mode.SERVER;
import static dev.safeupdater.deploy.ManifestChecks.perms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.testing.TestPaths;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart deploy/helm/safe-updater, rendered by the real helm 3.17.3 ({@code helm lint --strict} and
 * {@code helm template}) with the value sets an operator would use, each rendering loaded with fabric8's typed model
 * and checked by {@link ManifestChecks}. No cluster runs here: what a cluster would do with the objects is not tested.
 */
class HelmChartTest {
    static final Path CHART = TestPaths.repoRoot().resolve("deploy/helm/safe-updater");

    @TempDir
    Path tmp;

    private Path values(String yaml) throws IOException {
        Path f = Files.createTempFile(tmp, "values", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    /** helm lint --strict and helm template with these values; both must succeed. */
    Manifests render(String valuesYaml) throws IOException {
        Tool helm = Tool.helm();
        Path v = values(valuesYaml);
        helm.ok("lint", "--strict", CHART.toString(), "-f", v.toString(), "--namespace", "safe-updater");
        return Manifests.load(helm.ok("template", "su", CHART.toString(), "-f", v.toString(),
                "--namespace", "safe-updater").out());
    }

    /** helm template must refuse these values; returns what it said. */
    String refused(String valuesYaml) throws IOException {
        Tool.Result r = Tool.helm().run(null, Map.of(), 120, "template", "su", CHART.toString(), "-f",
                values(valuesYaml).toString(), "--namespace", "safe-updater");
        assertNotEquals(0, r.exit(), "helm template accepted:\n" + valuesYaml + "\n" + r.out());
        return r.err();
    }

    @Test
    void defaultsAreOneServerClusterWideReadOnlyOnTheEmbeddedDatabase() throws IOException {
        Manifests m = render("{}");
        assertEquals(Map.of("ClusterRole", 1L, "ClusterRoleBinding", 1L, "ConfigMap", 3L, "Deployment", 1L,
                "NetworkPolicy", 1L, "PersistentVolumeClaim", 1L, "Service", 1L, "ServiceAccount", 1L), m.kinds());
        List<InventorySource> sources = ManifestChecks.all(m, SERVER, EMBEDDED, tmp);
        assertEquals(Map.of("ClusterRole", perms(ManifestChecks.readOnly().toArray(String[]::new))),
                ManifestChecks.permissions(m), "read-only: list/watch the four kinds, list pods; no Secrets, no patch");
        assertEquals(1, sources.size());
        assertEquals("kubernetes", sources.get(0).type());
        Deployment d = m.one(Deployment.class);
        assertEquals(1, d.getSpec().getReplicas());
        assertEquals("Recreate", d.getSpec().getStrategy().getType(), "one process opens the H2 file");
        assertEquals("safe-updater:0.1.0", d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        PersistentVolumeClaim pvc = m.one(PersistentVolumeClaim.class);
        assertEquals("su-safe-updater-data", pvc.getMetadata().getName());
        var env = envOf(d);
        assertEquals("15m", env.get("SAFE_UPDATER_CYCLE_INTERVAL"));
        assertEquals("false", env.get("SAFE_UPDATER_APPLY_ENABLED"), "a fresh install decides, applies nothing");
        // the shipped rules and policies, unchanged
        var w = ManifestChecks.workload(m, SERVER);
        assertEquals(Map.of("default.drl", Files.readString(TestPaths.rules().resolve("default.drl"))),
                ManifestChecks.files(m, w, "rules"));
        assertEquals(Map.of("non-production.yaml", Files.readString(TestPaths.policies().resolve("non-production.yaml")),
                "production.yaml", Files.readString(TestPaths.policies().resolve("production.yaml"))),
                ManifestChecks.files(m, w, "policies"));
    }

    @Test
    void namespacedWithPostgresHasRolesOnlyInTheNamedNamespacesAndTwoReplicas() throws IOException {
        Manifests m = render("""
                replicas: 2
                rbac: {scope: namespaced}
                database: {type: postgres}
                inventory:
                  sourceName: shard-a
                  namespaces: {include: [shop, payments], exclude: []}
                """);
        assertEquals(Map.of("ConfigMap", 3L, "Deployment", 1L, "NetworkPolicy", 1L, "Role", 2L, "RoleBinding", 2L,
                "Service", 1L, "ServiceAccount", 1L), m.kinds(), "no ClusterRole, no volume claim");
        List<InventorySource> sources = ManifestChecks.all(m, SERVER, POSTGRES, tmp);
        assertEquals("shard-a", sources.get(0).name(), "a shard's own source name (it retires only its own assets)");
        assertEquals("prod", ((dev.safeupdater.inventory.KubernetesSource) sources.get(0)).cluster(),
                "while policies still match the cluster");
        var readOnly = perms(ManifestChecks.readOnly().toArray(String[]::new));
        assertEquals(Map.of("Role/payments", readOnly, "Role/shop", readOnly), ManifestChecks.permissions(m));
        Deployment d = m.one(Deployment.class);
        assertEquals(2, d.getSpec().getReplicas(), "replicas share the database (runs are claimed with leases)");
        assertTrue(d.getSpec().getStrategy() == null, "rolling updates: no file lock to wait for");
        String inventory = m.named(ConfigMap.class, "su-safe-updater-inventory").orElseThrow().getData()
                .get("inventory.yaml");
        assertTrue(inventory.contains("- shop") && inventory.contains("- payments") && !inventory.contains("exclude"),
                inventory);
    }

    @Test
    void cronJobModeRunsOneCycleOnASchedule() throws IOException {
        Manifests m = render("""
                mode: cronjob
                database: {type: postgres}
                cronjob: {schedule: "*/30 * * * *"}
                auth: {tokensSecret: ""}
                """);
        assertEquals(Map.of("ClusterRole", 1L, "ClusterRoleBinding", 1L, "ConfigMap", 3L, "CronJob", 1L,
                "NetworkPolicy", 1L, "ServiceAccount", 1L), m.kinds());
        List<InventorySource> sources = ManifestChecks.all(m, CRONJOB, POSTGRES, tmp);
        var w = ManifestChecks.workload(m, CRONJOB);
        var env = new TreeMap<String, String>();
        w.container().getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertTrue(!env.containsKey("SAFE_UPDATER_CYCLE_INTERVAL") && !env.containsKey("SAFE_UPDATER_AUTH_TOKENS_FILE"),
                "no server settings in a run-once job: " + env.keySet());
        assertEquals("*/30 * * * *", ((io.fabric8.kubernetes.api.model.batch.v1.CronJob) w.object()).getSpec()
                .getSchedule());
        assertTrue(m.text.contains("watch: false"), "no watches in a process that exits after one cycle");
        assertEquals(1, sources.size());
    }

    @Test
    void everythingOnGrantsExactlyWhatEachFeatureNeeds() throws IOException {
        Manifests m = render("""
                apply: {enabled: true}
                inventory:
                  kubernetes: {kinds: [Deployment, CronJob]}
                  pullSecrets: {enabled: true, names: [regcred, ghcr-pull]}
                  helm:
                    enabled: true
                    chartSources: {demo: "oci://registry.example.com/charts"}
                  extraSources:
                    - {name: build-host, type: docker, host: "unix:///var/run/docker.sock"}
                settings: {registry.rate: 5, log.level: DEBUG}
                monitoring:
                  serviceMonitor: {enabled: true}
                  prometheusRule: {enabled: true}
                  dashboard: {enabled: true}
                """);
        assertEquals(Map.of("ClusterRole", 1L, "ClusterRoleBinding", 1L, "ConfigMap", 4L, "Deployment", 1L,
                "NetworkPolicy", 1L, "PersistentVolumeClaim", 1L, "PrometheusRule", 1L, "Service", 1L,
                "ServiceAccount", 1L, "ServiceMonitor", 1L), m.kinds());
        List<InventorySource> sources = ManifestChecks.all(m, SERVER, EMBEDDED, tmp);
        assertEquals(List.of("kubernetes", "helm", "docker"), sources.stream().map(InventorySource::type).toList());
        assertEquals(Map.of("ClusterRole", perms(
                        "apps/deployments:list", "apps/deployments:watch", "batch/cronjobs:list", "batch/cronjobs:watch",
                        "core/pods:list",
                        "apps/deployments:get", "apps/deployments:patch", "batch/cronjobs:get", "batch/cronjobs:patch",
                        "batch/jobs:list",
                        "core/secrets:get#regcred", "core/secrets:get#ghcr-pull",
                        "core/secrets:list")),
                ManifestChecks.permissions(m),
                "patch only the tracked kinds (applying), get only the named pull secrets, list Secrets for Helm");
        var env = envOf(m.one(Deployment.class));
        assertEquals("true", env.get("SAFE_UPDATER_APPLY_ENABLED"));
        assertEquals("5", env.get("SAFE_UPDATER_REGISTRY_RATE"));
        assertEquals("DEBUG", env.get("SAFE_UPDATER_LOG_LEVEL"));
        // monitoring: the alert rules pass promtool, the dashboard is the shipped one
        GenericKubernetesResource rule = m.generic("PrometheusRule").get(0);
        List<String> alerts = MonitoringTest.alertNames(rule);
        assertTrue(alerts.contains("SafeUpdaterPendingUpdatesStuck"), "applying is on: " + alerts);
        assertTrue(!alerts.contains("SafeUpdaterCycleJobFailed"), "a server, not a CronJob: " + alerts);
        MonitoringTest.promtoolCheckRules(MonitoringTest.spec(rule), tmp);
        ConfigMap dash = m.named(ConfigMap.class, "su-safe-updater-dashboard").orElseThrow();
        assertEquals("1", dash.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals(Files.readString(CHART.resolve("files/dashboard.json")), dash.getData().get("safe-updater.json"));
    }

    @Test
    void cronJobAlertsWatchTheJobNotTheScrape() throws IOException {
        Manifests m = render("""
                mode: cronjob
                auth: {tokensSecret: ""}
                monitoring: {prometheusRule: {enabled: true}}
                """);
        ManifestChecks.all(m, CRONJOB, EMBEDDED, tmp);
        GenericKubernetesResource rule = m.generic("PrometheusRule").get(0);
        assertEquals(List.of("SafeUpdaterCycleJobFailed"), MonitoringTest.alertNames(rule));
        String spec = MonitoringTest.spec(rule);
        assertTrue(spec.contains("job_name=~\\\"su-safe-updater-.*\\\"") || spec.contains("job_name=~\"su-safe-updater-.*\""),
                "the alert selects this release's Jobs: " + spec);
        MonitoringTest.promtoolCheckRules(spec, tmp);
    }

    @Test
    void ownConfigMapsAndAuthDisabledAreUsedAsGiven() throws IOException {
        Manifests m = render("""
                auth: {tokensSecret: "", disabled: true}
                inventory: {existingConfigMap: my-inventory}
                rules: {existingConfigMap: my-rules}
                policies:
                  files: {"only.yaml": "scopes: []\\n"}
                database:
                  embedded: {persistence: {enabled: false}}
                networkPolicy: {enabled: true, ingress: {from: [{namespaceSelector: {matchLabels: {team: platform}}}]}}
                """);
        var w = ManifestChecks.workload(m, SERVER);
        var volumes = new TreeMap<String, String>();
        w.pod().getVolumes().forEach(v -> volumes.put(v.getName(), v.getConfigMap() != null ? v.getConfigMap().getName()
                : v.getEmptyDir() != null ? "emptyDir" : "other"));
        assertEquals("my-inventory", volumes.get("inventory"));
        assertEquals("my-rules", volumes.get("rules"));
        assertEquals("emptyDir", volumes.get("data"));
        assertEquals(List.of("su-safe-updater-policies"), m.all(ConfigMap.class).stream()
                .map(c -> c.getMetadata().getName()).toList(), "only the policies ConfigMap is the chart's");
        assertEquals(Map.of("only.yaml", "scopes: []\n"), ManifestChecks.files(m, w, "policies"));
        assertEquals("true", envOf(m.one(Deployment.class)).get("SAFE_UPDATER_AUTH_DISABLED"));
        assertTrue(m.all(PersistentVolumeClaim.class).isEmpty());
    }

    @Test
    void impossibleValuesAreRefusedWithTheReason() throws IOException {
        assertTrue(refused("replicas: 3").contains("replicas > 1 needs database.type=postgres"));
        assertTrue(refused("""
                rbac: {scope: namespaced}
                inventory: {namespaces: {include: ["shop-*"], exclude: []}}
                """).contains("literal namespace names"));
        assertTrue(refused("""
                rbac: {scope: namespaced}
                inventory: {namespaces: {include: [shop]}}
                """).contains("exclude must be empty"));
        assertTrue(refused("inventory: {pullSecrets: {enabled: true}}").contains("inventory.pullSecrets.names"));
        assertTrue(refused("auth: {tokensSecret: \"\"}").contains("auth.tokensSecret"));
        assertTrue(refused("inventory: {kubernetes: {kinds: [Pod]}}").contains("kinds"), "schema: unknown kind");
        String typo = refused("apply: {enable: true}");
        assertTrue(typo.contains("enable"), "a misspelt value is refused by values.schema.json: " + typo);
    }

    @Test
    void shippedRuleAndPolicyCopiesAreTheRepositoryFiles() throws IOException {
        List<String> drift = new ArrayList<>();
        compare(TestPaths.rules(), CHART.resolve("files/rules"), ".drl", drift);
        compare(TestPaths.policies(), CHART.resolve("files/policies"), ".yaml", drift);
        Path base = TestPaths.repoRoot().resolve("deploy/kubernetes/base");
        compare(TestPaths.rules(), base.resolve("rules"), ".drl", drift);
        compare(TestPaths.policies(), base.resolve("policies"), ".yaml", drift);
        assertTrue(drift.isEmpty(), "copies differ from the shipped files (copy them again): " + drift);
    }

    static void compare(Path source, Path copy, String ext, List<String> drift) throws IOException {
        List<Path> files;
        try (var s = Files.list(source)) {
            files = s.filter(p -> p.toString().endsWith(ext)).sorted().toList();
        }
        List<String> copies;
        try (var s = Files.list(copy)) {
            copies = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(files.stream().map(p -> p.getFileName().toString()).toList(), copies, copy + " has the same files");
        for (Path f : files) {
            if (!Files.readString(f).equals(Files.readString(copy.resolve(f.getFileName())))) {
                drift.add(copy.resolve(f.getFileName()).toString());
            }
        }
    }

    static Map<String, String> envOf(Deployment d) {
        Map<String, String> env = new TreeMap<>();
        d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        return env;
    }
}
