package dev.safeupdater.platform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * How to reach a cluster, shared by the inventory sources that list it and the appliers that change it: a kubeconfig
 * file (and optionally one of its contexts), the in-cluster service account, or, with neither, the default kubeconfig
 * ({@code $KUBECONFIG}, {@code ~/.kube/config}) as kubectl finds it.
 *
 * @param kubeconfig     a kubeconfig file, or null
 * @param context        a context of that kubeconfig (or of the default one), or null for its current context
 * @param inCluster      use the pod's service account (only inside a pod)
 * @param requestTimeout how long one request may take
 * @param retries        how often a failed request is retried (with back-off)
 */
public record KubernetesConnection(Path kubeconfig, String context, boolean inCluster, Duration requestTimeout,
                                   int retries) {
    public KubernetesConnection {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** The cluster configuration cannot be loaded; the message names what is wrong and never carries secrets. */
    public static final class ConfigurationException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigurationException(String message) {
            super(message);
        }

        ConfigurationException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A new client; the caller closes it. Nothing is sent until the first request.
     *
     * @param who what the connection is for, the first word of every message (e.g. the source name)
     */
    public KubernetesClient open(String who) throws ConfigurationException {
        Config config;
        try {
            if (kubeconfig != null) {
                if (!Files.isReadable(kubeconfig)) {
                    throw new ConfigurationException(who + ": kubeconfig " + kubeconfig + " cannot be read");
                }
                config = Config.fromKubeconfig(context, kubeconfig.toFile());
            } else if (inCluster) {
                if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
                    throw new ConfigurationException(who + ": inCluster is set but this process does not run in a"
                            + " pod (KUBERNETES_SERVICE_HOST is not set)");
                }
                config = Config.autoConfigure(null);
            } else {
                config = Config.autoConfigure(context);
            }
        } catch (ConfigurationException e) {
            throw e;
        } catch (RuntimeException e) {
            // fabric8 messages about kubeconfig files name the file and the problem, not its secrets
            throw new ConfigurationException(who + ": cannot load the cluster configuration: " + e.getMessage(), e);
        }
        if (context != null) {
            NamedContext current = config.getCurrentContext();
            if (current == null || !context.equals(current.getName())) {
                throw new ConfigurationException(who + ": context \"" + context + "\" is not in the kubeconfig");
            }
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new ConfigurationException(who + ": no API server address configured (kubeconfig or in-cluster)");
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
