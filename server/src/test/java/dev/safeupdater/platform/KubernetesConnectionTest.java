package dev.safeupdater.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.safeupdater.testing.MockCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one place that turns a source's cluster settings into a fabric8 client, for inventory and rollout alike. */
class KubernetesConnectionTest {
    @TempDir
    Path tmp;

    @Test
    void aKubeconfigContextReachesItsServerWithTheConfiguredTimeoutAndRetries() throws Exception {
        try (MockCluster cluster = MockCluster.start()) {
            KubernetesConnection connection = new KubernetesConnection(cluster.kubeconfig(tmp, "mock"), "mock", false,
                    Duration.ofSeconds(7), 3);
            try (KubernetesClient client = connection.open("prod")) {
                assertEquals(cluster.url() + "/", client.getMasterUrl().toString());
                assertEquals(7_000, client.getConfiguration().getRequestTimeout());
                assertEquals(3, client.getConfiguration().getRequestRetryBackoffLimit());
                assertTrue(client.namespaces().list().getItems().isEmpty());
            }
        }
    }

    @Test
    void configurationProblemsNameTheUserOfTheConnectionAndNoSecret() throws Exception {
        Path missing = tmp.resolve("nope");
        var unreadable = assertThrows(KubernetesConnection.ConfigurationException.class,
                () -> new KubernetesConnection(missing, null, false, Duration.ofSeconds(1), 0).open("prod"));
        assertEquals("prod: kubeconfig " + missing + " cannot be read", unreadable.getMessage());

        try (MockCluster cluster = MockCluster.start()) {
            Path kubeconfig = cluster.kubeconfig(tmp, "mock");
            var context = assertThrows(KubernetesConnection.ConfigurationException.class,
                    () -> new KubernetesConnection(kubeconfig, "staging", false, Duration.ofSeconds(1), 0)
                            .open("applier prod"));
            assertEquals("applier prod: context \"staging\" is not in the kubeconfig", context.getMessage());
        }

        Path broken = Files.writeString(tmp.resolve("broken"), "clusters: [ {");
        var parse = assertThrows(KubernetesConnection.ConfigurationException.class,
                () -> new KubernetesConnection(broken, null, false, Duration.ofSeconds(1), 0).open("prod"));
        assertTrue(parse.getMessage().startsWith("prod: cannot load the cluster configuration"), parse.getMessage());
        assertFalse(parse.getMessage().contains("not-a-real-token"));
    }

    @Test
    void inClusterOutsideAPodIsRefused() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KUBERNETES_SERVICE_HOST") == null);
        var e = assertThrows(KubernetesConnection.ConfigurationException.class,
                () -> new KubernetesConnection(null, null, true, Duration.ofSeconds(1), 0).open("prod"));
        assertTrue(e.getMessage().contains("does not run in a pod"), e.getMessage());
    }
}
