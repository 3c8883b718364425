package dev.safeupdater.model;

import java.util.Objects;

/**
 * The natural key of an asset slot: one container of one workload in one place.
 * Empty strings (never null) stand for "not applicable", e.g. a Docker container has no namespace.
 */
public record AssetKey(String source, String cluster, String namespace, String kind, String name, String container) {
    public AssetKey {
        source = Objects.requireNonNullElse(source, "");
        cluster = Objects.requireNonNullElse(cluster, "");
        namespace = Objects.requireNonNullElse(namespace, "");
        kind = Objects.requireNonNullElse(kind, "");
        name = Objects.requireNonNullElse(name, "");
        container = Objects.requireNonNullElse(container, "");
    }

    /** A short human form, e.g. {@code kubernetes/prod/shop/Deployment/web/nginx}. */
    public String display() {
        StringBuilder sb = new StringBuilder(source);
        for (String part : new String[] {cluster, namespace, kind, name, container}) {
            if (!part.isEmpty()) {
                sb.append('/').append(part);
            }
        }
        return sb.toString();
    }
}
