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

    /**
     * The label selector of the workload's pods as the API's {@code labelSelector} parameter: {@code spec.selector}
     * ({@code matchLabels} and {@code matchExpressions}); for a CronJob, whose pods belong to its Jobs, the pod
     * template's labels. Null when there is none.
     */
    String podSelector(JsonNode item) {
        java.util.List<String> terms = new java.util.ArrayList<>();
        if (this == CRONJOB) {
            podTemplateLabels(item).properties().forEach(e -> terms.add(e.getKey() + "=" + e.getValue().asText()));
        } else {
            JsonNode selector = item.path("spec").path("selector");
            selector.path("matchLabels").properties().forEach(e -> terms.add(e.getKey() + "=" + e.getValue().asText()));
            for (JsonNode x : selector.path("matchExpressions")) {
                String key = x.path("key").asText("");
                java.util.List<String> values = new java.util.ArrayList<>();
                x.path("values").forEach(v -> values.add(v.asText()));
                switch (x.path("operator").asText("")) {
                    case "In" -> terms.add(key + " in (" + String.join(",", values) + ")");
                    case "NotIn" -> terms.add(key + " notin (" + String.join(",", values) + ")");
                    case "Exists" -> terms.add(key);
                    case "DoesNotExist" -> terms.add("!" + key);
                    default -> {
                        return null; // an operator this reader does not know: better no pods than the wrong ones
                    }
                }
            }
        }
        return terms.isEmpty() ? null : String.join(",", terms);
    }

    private JsonNode podTemplateLabels(JsonNode item) {
        JsonNode spec = item.path("spec");
        if (this == CRONJOB) {
            spec = spec.path("jobTemplate").path("spec");
        }
        return spec.path("template").path("metadata").path("labels");
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
