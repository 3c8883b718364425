package dev.safeupdater.rollout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.safeupdater.platform.KubernetesConnection;

/**
 * The Kubernetes appliers of a configuration: one per cluster of the inventory's Kubernetes sources, each with the
 * connection its source lists with. The inventory writes a source's cluster name into every asset key
 * ({@code AssetKey.cluster()}, with {@code source() = "kubernetes"}), and cluster names are unique per source type,
 * so the executor picks the applier of a change with {@code appliers.get(change.key().cluster())}.
 */
public final class KubernetesAppliers {
    /** How often verification reads the rollout status unless told otherwise. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

    private KubernetesAppliers() {
    }

    /**
     * One applier per cluster.
     *
     * @param connectionsByCluster the connection of each Kubernetes source, by its cluster name (from
     *                             {@code inventory.KubernetesSource.connectionsByCluster(sources)})
     * @param pollInterval         how often verification reads the rollout status
     */
    public static Map<String, Applier> forClusters(Map<String, KubernetesConnection> connectionsByCluster,
                                                   Duration pollInterval) {
        Map<String, Applier> appliers = new LinkedHashMap<>();
        connectionsByCluster.forEach((cluster, connection) ->
                appliers.put(cluster, new KubernetesApplier(cluster, connection, pollInterval)));
        return Map.copyOf(appliers);
    }

    /** {@link #forClusters(Map, Duration)} polling every {@link #DEFAULT_POLL_INTERVAL}. */
    public static Map<String, Applier> forClusters(Map<String, KubernetesConnection> connectionsByCluster) {
        return forClusters(connectionsByCluster, DEFAULT_POLL_INTERVAL);
    }
}
