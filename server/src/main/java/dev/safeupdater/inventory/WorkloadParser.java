package dev.safeupdater.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;

/**
 * Turns one Kubernetes workload (as JSON) into its asset slots: one per tracked container, with the workload's labels,
 * annotations (minus the bulky and possibly secret {@code kubectl.kubernetes.io/last-applied-configuration}) and the
 * names of its imagePullSecrets. Honours the {@code safe-updater.io/} hints (see {@link Hints}).
 */
final class WorkloadParser {
    static final String SOURCE = "kubernetes";
    /** kubectl's copy of the whole applied manifest: large, and it may hold environment values. */
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    private static final int MAX_ANNOTATION_VALUE = 4096;

    private final String cluster;
    private final boolean initContainers;
    private final boolean requireOptIn;
    /** One String instance per namespace name across a scan (10,000 workloads share 200 namespaces). */
    private final Map<String, String> namespaces = new HashMap<>();

    WorkloadParser(String cluster, boolean initContainers, boolean requireOptIn) {
        this.cluster = cluster;
        this.initContainers = initContainers;
        this.requireOptIn = requireOptIn;
    }

    /** A workload reference: its namespace and name. */
    record Ref(String namespace, String name) {
    }

    /** The workload's namespace and name. */
    static Ref ref(JsonNode item) {
        JsonNode meta = item.path("metadata");
        return new Ref(meta.path("namespace").asText(""), meta.path("name").asText(""));
    }

    /**
     * The slots of {@code item}; empty when the workload opted out. Image references that cannot be parsed are
     * reported to {@code problems} and skipped; pull-secret names are added to {@code pullSecrets} as
     * {@code namespace/name}.
     */
    List<ObservedAsset> parse(WorkloadKind kind, JsonNode item, List<String> problems, Set<String> pullSecrets) {
        JsonNode meta = item.path("metadata");
        String namespace = namespaces.computeIfAbsent(meta.path("namespace").asText(""), n -> n);
        String name = meta.path("name").asText("");
        Map<String, String> annotations = annotations(meta.path("annotations"));
        if (name.isEmpty() || !Hints.enabled(annotations, requireOptIn)) {
            return List.of();
        }
        Map<String, String> labels = KubeApi.strings(meta.path("labels"));
        JsonNode pod = kind.podSpec(item);
        List<String> secrets = new ArrayList<>();
        for (JsonNode s : pod.path("imagePullSecrets")) {
            String secret = s.path("name").asText("");
            if (!secret.isEmpty()) {
                secrets.add(secret);
                pullSecrets.add(namespace + "/" + secret);
            }
        }
        Set<String> only = Hints.containers(annotations);
        List<ObservedAsset> out = new ArrayList<>(2);
        addContainers(out, pod.path("containers"), false, kind, namespace, name, labels, annotations, secrets, only,
                problems);
        if (Hints.initContainers(annotations, initContainers)) {
            addContainers(out, pod.path("initContainers"), true, kind, namespace, name, labels, annotations, secrets,
                    only, problems);
        }
        return out;
    }

    private void addContainers(List<ObservedAsset> out, JsonNode containers, boolean init, WorkloadKind kind,
                               String namespace, String name, Map<String, String> labels,
                               Map<String, String> annotations, List<String> secrets, Set<String> only,
                               List<String> problems) {
        for (JsonNode c : containers) {
            String container = c.path("name").asText("");
            if (container.isEmpty() || (only != null && !only.contains(container))) {
                continue;
            }
            String image = c.path("image").asText("");
            ImageReference ref;
            try {
                ref = ImageReference.parse(image);
            } catch (IllegalArgumentException e) {
                problems.add(kind.kind + " " + namespace + "/" + name + " container " + container + ": "
                        + e.getMessage() + "; not tracked");
                continue;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            if (init) {
                details.put("initContainer", true);
            }
            if (!secrets.isEmpty()) {
                details.put("imagePullSecrets", List.copyOf(secrets));
            }
            out.add(new ObservedAsset(new AssetKey(SOURCE, cluster, namespace, kind.kind, name, container),
                    ImageReference.withoutTagAndDigest(image), runningTag(ref), ref.digest(), labels, annotations,
                    details));
        }
    }

    /** The tag a container runs: as written, or {@code latest} when the reference names neither tag nor digest. */
    static String runningTag(ImageReference ref) {
        return ref.tag() == null && ref.digest() == null ? "latest" : ref.tag();
    }

    private static Map<String, String> annotations(JsonNode node) {
        Map<String, String> all = KubeApi.strings(node);
        if (all.isEmpty()) {
            return all;
        }
        Map<String, String> kept = new HashMap<>();
        all.forEach((k, v) -> {
            if (!k.equals(LAST_APPLIED) && v.length() <= MAX_ANNOTATION_VALUE) {
                kept.put(k, v);
            }
        });
        return Map.copyOf(kept);
    }
}
