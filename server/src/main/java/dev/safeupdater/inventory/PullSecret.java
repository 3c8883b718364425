package dev.safeupdater.inventory;

import java.util.List;

/**
 * A Kubernetes pull secret ({@code kubernetes.io/dockerconfigjson} or {@code kubernetes.io/dockercfg}) resolved to
 * the registry credentials it holds. Workloads refer to it by {@code namespace}/{@code name}.
 */
public record PullSecret(String cluster, String namespace, String name, List<RegistryCredential> credentials) {
    public PullSecret {
        credentials = List.copyOf(credentials);
    }
}
