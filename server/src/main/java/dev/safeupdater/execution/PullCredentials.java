package dev.safeupdater.execution;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.safeupdater.inventory.PullSecret;
import dev.safeupdater.inventory.RegistryCredential;
import dev.safeupdater.model.AssetKey;

/**
 * Registry credentials resolved from Kubernetes pull secrets by the last scan of each source (only for sources with
 * {@code pullSecrets: true}). Held in memory only: never stored, logged or returned by the API. The registry stage
 * asks for the credential an asset's own pull secrets give for a registry host.
 */
public final class PullCredentials {
    /** source name → secrets resolved by its last scan. */
    private final Map<String, List<PullSecret>> bySource = new ConcurrentHashMap<>();

    void replace(String source, List<PullSecret> secrets) {
        if (secrets.isEmpty()) {
            bySource.remove(source);
        } else {
            bySource.put(source, List.copyOf(secrets));
        }
    }

    /**
     * The credential for {@code registry} from the pull secrets {@code secretNames} of the asset's namespace and
     * cluster, in the order the workload lists them; empty when none applies.
     */
    public Optional<RegistryCredential> forAsset(AssetKey asset, List<String> secretNames, String registry) {
        for (String secret : secretNames) {
            for (List<PullSecret> secrets : bySource.values()) {
                for (PullSecret s : secrets) {
                    if (s.cluster().equals(asset.cluster()) && s.namespace().equals(asset.namespace())
                            && s.name().equals(secret)) {
                        for (RegistryCredential c : s.credentials()) {
                            if (c.registry().equals(registry)) {
                                return Optional.of(c);
                            }
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** How many pull secrets are held. */
    public int size() {
        return bySource.values().stream().mapToInt(List::size).sum();
    }
}
