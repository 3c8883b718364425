package dev.safeupdater.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryConfigTest {
    @TempDir
    Path tmp;

    private List<InventorySource> load(String yaml) throws Exception {
        Path f = tmp.resolve("inventory.yaml");
        Files.writeString(f, yaml);
        return InventoryConfig.load(f);
    }

    @Test
    void everyTypeWithItsDefaults() throws Exception {
        List<InventorySource> sources = load("""
                sources:
                  - name: prod
                    type: kubernetes
                    kubeconfig: kube/config
                    context: admin@prod
                    namespaces: {include: ["shop-*"], exclude: [shop-test]}
                    labelSelector: tier=backend
                    kinds: [deployment, CronJob]
                    initContainers: true
                    watch: true
                    pullSecrets: true
                    pageSize: 250
                    requestTimeout: 45s
                  - name: dev
                    type: kubernetes
                    cluster: dev-eu
                    inCluster: true
                  - name: prod-helm
                    type: helm
                    cluster: prod
                    chartSources: {demo: "oci://127.0.0.1:5000/charts", "shop/web": "https://charts.example.com"}
                  - name: local
                    type: docker
                  - name: edge
                    type: static
                    file: assets.yaml
                """);
        assertEquals(List.of("prod", "dev", "prod-helm", "local", "edge"),
                sources.stream().map(InventorySource::name).toList());
        assertEquals(List.of("kubernetes", "kubernetes", "helm", "docker", "static"),
                sources.stream().map(InventorySource::type).toList());
        KubernetesSource prod = (KubernetesSource) sources.get(0);
        assertEquals("prod", prod.cluster(), "cluster defaults to the source name");
        assertTrue(prod.watchEnabled());
        assertEquals(Duration.ofSeconds(45), prod.requestTimeout());
        assertEquals(List.of(WorkloadKind.DEPLOYMENT, WorkloadKind.CRONJOB).toString(),
                List.of(WorkloadKind.of("deployment"), WorkloadKind.of("cronjob")).toString());
        assertEquals("dev-eu", ((KubernetesSource) sources.get(1)).cluster());
        assertEquals("local", ((DockerSource) sources.get(3)).engine());
        assertEquals("unix:///var/run/docker.sock", ((DockerSource) sources.get(3)).hostUri().toString());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load("""
                sources:
                  - name: prod
                    type: kubernetes
                    kinds: [Deployment, Pod]
                    requestTimeout: soon
                  - name: prod
                    type: static
                    file: a.yaml
                  - name: Bad Name
                    type: docker
                    host: http://localhost:2375
                    tlsVerify: true
                  - name: x
                    type: kubernetes
                    kubeconfig: k
                    inCluster: true
                    colour: blue
                  - name: y
                    type: ftp
                  - name: helm
                    type: helm
                    chartSources: {demo: "s3://bucket"}
                  - name: ok
                    type: kubernetes
                  - name: twin
                    type: kubernetes
                    cluster: ok
                """));
        String m = e.getMessage();
        for (String expected : List.of(
                "sources[0].kinds: unknown workload kind \"Pod\"",
                "sources[0].requestTimeout: \"soon\" is not a duration",
                "sources[1]: name \"prod\" is used twice",
                "sources[2].name: is required",
                "sources[2].host: must be unix:///path/to/docker.sock or tcp://host:port",
                "sources[2].certPath: is required with tlsVerify",
                "sources[3]: unknown field \"colour\" for type kubernetes",
                "sources[4].type: must be kubernetes, docker, helm or static, not \"ftp\"",
                "sources[5].chartSources.demo: must be an oci://, http:// or https:// location",
                "sources[7]: another kubernetes source already reports ok")) {
            assertTrue(m.contains(expected), "missing \"" + expected + "\" in: " + m);
        }
    }

    @Test
    void kubeconfigAndInClusterExcludeEachOther() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load("""
                sources:
                  - {name: x, type: kubernetes, kubeconfig: k, inCluster: true}
                """));
        assertTrue(e.getMessage().contains("give kubeconfig or inCluster, not both"), e.getMessage());
    }

    @Test
    void anEmptyFileHasNoSourcesAndAnUnknownTopLevelFieldIsRefused() throws Exception {
        assertEquals(List.of(), load(""));
        assertEquals(List.of(), load("sources: []\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load("source: []\n"));
        assertTrue(e.getMessage().contains("unknown field \"source\""), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> InventoryConfig.load(tmp.resolve("missing.yaml")));
        assertTrue(missing.getMessage().startsWith("cannot read inventory file"), missing.getMessage());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), InventoryConfig.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(30), InventoryConfig.parseDuration("30s"));
        assertEquals(Duration.ofSeconds(30), InventoryConfig.parseDuration("30"));
        assertEquals(Duration.ofMinutes(15), InventoryConfig.parseDuration("15m"));
        assertEquals(Duration.ofHours(2), InventoryConfig.parseDuration("2h"));
        assertEquals(Duration.ofMinutes(15), InventoryConfig.parseDuration("PT15M"));
        assertThrows(IllegalArgumentException.class, () -> InventoryConfig.parseDuration("fortnight"));
    }
}
