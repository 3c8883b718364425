package dev.safeupdater.inventory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * How to reach a cluster: a kubeconfig file (and optionally one of its contexts), the in-cluster service account, or,
 * with neither, the default kubeconfig ({@code $KUBECONFIG}, {@code ~/.kube/config}) as kubectl finds it.
 */
record KubeConnection(Path kubeconfig, String context, boolean inCluster, Duration requestTimeout, int retries) {
    /** A new client; the caller closes it. Nothing is sent until the first request. */
    KubernetesClient open(String sourceName) throws SourceException {
        Config config;
        try {
            if (kubeconfig != null) {
                if (!Files.isReadable(kubeconfig)) {
                    throw new SourceException(sourceName + ": kubeconfig " + kubeconfig + " cannot be read");
                }
                config = Config.fromKubeconfig(context, kubeconfig.toFile());
            } else if (inCluster) {
                if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
                    throw new SourceException(sourceName + ": inCluster is set but this process does not run in a pod"
                            + " (KUBERNETES_SERVICE_HOST is not set)");
                }
                config = Config.autoConfigure(null);
            } else {
                config = Config.autoConfigure(context);
            }
        } catch (SourceException e) {
            throw e;
        } catch (RuntimeException e) {
            // fabric8 messages about kubeconfig files name the file and the problem, not its secrets
            throw new SourceException(sourceName + ": cannot load the cluster configuration: " + e.getMessage(), e);
        }
        if (context != null) {
            NamedContext current = config.getCurrentContext();
            if (current == null || !context.equals(current.getName())) {
                throw new SourceException(sourceName + ": context \"" + context + "\" is not in the kubeconfig");
            }
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new SourceException(sourceName + ": no API server address configured (kubeconfig or in-cluster)");
        }
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis());
        config.setRequestTimeout(timeoutMs);
        config.setConnectionTimeout(Math.min(timeoutMs, 10_000));
        config.setRequestRetryBackoffLimit(retries);
        config.setRequestRetryBackoffInterval(250);
        config.setWatchReconnectInterval(1_000);
        config.setWatchReconnectLimit(-1);
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
