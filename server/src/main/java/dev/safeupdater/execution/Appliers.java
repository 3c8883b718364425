package dev.safeupdater.execution;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.rollout.Applier;

/**
 * The appliers of the configured inventory sources, found by an asset's source type and cluster (the Docker engine
 * or Kubernetes cluster name the inventory wrote into the asset's key); an applier registered with an empty cluster
 * serves every cluster of its source type.
 */
public final class Appliers {
    private final Map<String, Applier> byKey = new ConcurrentHashMap<>();

    public Appliers register(String source, String cluster, Applier applier) {
        byKey.put(source + "\u0000" + (cluster == null ? "" : cluster), applier);
        return this;
    }

    /** The applier for {@code key}, or null when no configured source can change it. */
    public Applier forKey(AssetKey key) {
        Applier a = byKey.get(key.source() + "\u0000" + key.cluster());
        return a != null ? a : byKey.get(key.source() + "\u0000");
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** The source types that have an applier. */
    public java.util.Set<String> sources() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        byKey.keySet().forEach(k -> out.add(k.substring(0, k.indexOf('\u0000'))));
        return out;
    }
}
