package dev.safeupdater.inventory;

import java.util.Arrays;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/** The Kubernetes workload kinds the inventory lists, with where the API serves them and where their pod spec is. */
enum WorkloadKind {
    DEPLOYMENT("Deployment", "/apis/apps/v1", "deployments"),
    STATEFULSET("StatefulSet", "/apis/apps/v1", "statefulsets"),
    DAEMONSET("DaemonSet", "/apis/apps/v1", "daemonsets"),
    CRONJOB("CronJob", "/apis/batch/v1", "cronjobs");

    final String kind;
    private final String group;
    private final String plural;

    WorkloadKind(String kind, String group, String plural) {
        this.kind = kind;
        this.group = group;
        this.plural = plural;
    }

    /** The cluster-wide list path, e.g. {@code /apis/apps/v1/deployments}. */
    String clusterPath() {
        return group + "/" + plural;
    }

    /** The list path in one namespace. */
    String namespacePath(String namespace) {
        return group + "/namespaces/" + namespace + "/" + plural;
    }

    /** The pod spec inside an object of this kind (missing node when absent). */
    JsonNode podSpec(JsonNode item) {
        JsonNode spec = item.path("spec");
        if (this == CRONJOB) {
            spec = spec.path("jobTemplate").path("spec");
        }
        return spec.path("template").path("spec");
    }

    /** The kind named {@code name} (case-insensitive, e.g. {@code deployment}); throws when there is none. */
    static WorkloadKind of(String name) {
        for (WorkloadKind k : values()) {
            if (k.kind.equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown workload kind \"" + name + "\" (one of "
                + Arrays.stream(values()).map(k -> k.kind).toList() + ")");
    }

    @Override
    public String toString() {
        return kind.toLowerCase(Locale.ROOT);
    }
}
