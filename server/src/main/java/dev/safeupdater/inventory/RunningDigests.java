package dev.safeupdater.inventory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.ObservedAsset;

/**
 * The digest a container on a mutable tag ({@code latest}, {@code 1.25}, {@code stable}) really runs, read from its
 * workload's pods ({@code status.containerStatuses[].imageID}): a workload spec names only the tag, and the tag may
 * have moved since the pods pulled it. Only workloads with such containers are asked about, one pod list each, with
 * the workload's own selector and paged, so the cost grows with the mutable-tag workloads, not with the cluster.
 * When the pods disagree (a rollout in progress) the digest most of them run wins. Failures never fail the scan: they
 * become warnings, and those containers keep the digest their spec names (usually none).
 */
final class RunningDigests {
    /** What {@link ObservedAsset#details()} says where the digest came from. */
    static final String DETAIL = "digestFrom";

    private record Workload(WorkloadKind kind, String namespace, String name, String selector) {
    }

    private final String cluster;
    private final Predicate<String> mutableTag;
    private final Map<Workload, Set<String>> wanted = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    /** {@code mutableTag}: true for a tag that is not an exact version (the version stage's judgement). */
    RunningDigests(String cluster, Predicate<String> mutableTag) {
        this.cluster = cluster;
        this.mutableTag = mutableTag;
    }

    /** Notes the containers of one parsed workload whose running digest must be read from its pods. */
    void note(WorkloadKind kind, JsonNode item, List<ObservedAsset> slots) {
        Set<String> containers = new HashSet<>();
        for (ObservedAsset a : slots) {
            if (a.digest() == null && a.tag() != null && mutableTag.test(a.tag())) {
                containers.add(a.key().container());
            }
        }
        if (containers.isEmpty()) {
            return;
        }
        WorkloadParser.Ref ref = WorkloadParser.ref(item);
        String selector = kind.podSelector(item);
        if (selector == null) {
            warnings.add(kind.kind + " " + ref.namespace() + "/" + ref.name() + " has no pod selector; the digest its"
                    + " containers on mutable tags run is not known");
            return;
        }
        wanted.put(new Workload(kind, ref.namespace(), ref.name(), selector), containers);
    }

    /** How many workloads {@link #fill} will ask about. */
    int workloads() {
        return wanted.size();
    }

    /**
     * Lists the pods of every noted workload and returns {@code assets} with the digests their pods run filled in
     * (other assets unchanged, order kept). Problems go to {@code out}.
     */
    List<ObservedAsset> fill(KubeApi api, int pageSize, List<ObservedAsset> assets, List<String> out) {
        out.addAll(warnings);
        if (wanted.isEmpty()) {
            return assets;
        }
        Map<AssetKey, String> digests = new HashMap<>();
        Map<AssetKey, ObservedAsset> byKey = new HashMap<>();
        for (ObservedAsset a : assets) {
            byKey.put(a.key(), a);
        }
        Set<String> forbidden = new HashSet<>();
        for (Map.Entry<Workload, Set<String>> e : wanted.entrySet()) {
            Workload w = e.getKey();
            if (forbidden.contains(w.namespace())) {
                continue;
            }
            Map<String, Map<String, Integer>> counts = new HashMap<>(); // container → digest → pods
            try {
                listPods(api, pageSize, w, pod -> count(pod, w, e.getValue(), byKey, counts));
            } catch (KubeApi.ApiError x) {
                if (x.status == 403) {
                    forbidden.add(w.namespace());
                    out.add("listing pods in namespace " + w.namespace() + " is forbidden (" + x.getMessage()
                            + "); the digests its containers on mutable tags run are not known (grant list on pods)");
                    continue;
                }
                out.add("cannot list the pods of " + w.kind().kind + " " + w.namespace() + "/" + w.name() + " ("
                        + x.getMessage() + "); running digests of mutable tags are not read in this scan");
                break;
            } catch (IOException x) {
                out.add("cannot list the pods of " + w.kind().kind + " " + w.namespace() + "/" + w.name() + " ("
                        + x.getMessage() + "); running digests of mutable tags are not read in this scan");
                break;
            }
            counts.forEach((container, byDigest) -> byDigest.entrySet().stream()
                    .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                    .ifPresent(best -> digests.put(key(w, container), best.getKey())));
        }
        if (digests.isEmpty()) {
            return assets;
        }
        List<ObservedAsset> filled = new ArrayList<>(assets.size());
        for (ObservedAsset a : assets) {
            String d = digests.get(a.key());
            if (d == null) {
                filled.add(a);
            } else {
                Map<String, Object> details = new LinkedHashMap<>(a.details());
                details.put(DETAIL, "pods");
                filled.add(new ObservedAsset(a.key(), a.image(), a.tag(), d, a.labels(), a.annotations(), details));
            }
        }
        return filled;
    }

    private AssetKey key(Workload w, String container) {
        return new AssetKey(WorkloadParser.SOURCE, cluster, w.namespace(), w.kind().kind, w.name(), container);
    }

    private static void listPods(KubeApi api, int pageSize, Workload w, java.util.function.Consumer<JsonNode> pods)
            throws KubeApi.ApiError, IOException {
        String token = null;
        do {
            KubeApi.PageInfo page = api.listPage("/api/v1/namespaces/" + w.namespace() + "/pods",
                    KubeApi.query("labelSelector", w.selector(), "limit", String.valueOf(pageSize), "continue", token),
                    pods);
            token = page.continueToken();
        } while (token != null);
    }

    /** Counts, per wanted container of one pod, the digest it runs (when the pod runs the slot's own image). */
    private void count(JsonNode pod, Workload w, Set<String> containers, Map<AssetKey, ObservedAsset> byKey,
                              Map<String, Map<String, Integer>> counts) {
        JsonNode status = pod.path("status");
        for (String field : List.of("containerStatuses", "initContainerStatuses")) {
            for (JsonNode cs : status.path(field)) {
                String container = cs.path("name").asText("");
                if (!containers.contains(container)) {
                    continue;
                }
                String digest = digest(cs.path("imageID").asText(""));
                if (digest == null) {
                    continue;
                }
                ObservedAsset slot = byKey.get(key(w, container));
                if (slot != null && !sameImage(slot, cs.path("image").asText(""))) {
                    continue; // a pod of the previous rollout, running another image
                }
                counts.computeIfAbsent(container, c -> new HashMap<>()).merge(digest, 1, Integer::sum);
            }
        }
    }

    /** The manifest digest in an {@code imageID} ({@code docker-pullable://repo@sha256:…}, {@code repo@sha256:…}). */
    static String digest(String imageId) {
        int at = imageId.lastIndexOf('@');
        if (at < 0) {
            return null; // a bare image id (sha256:… of the config) is not the registry's manifest digest
        }
        String d = imageId.substring(at + 1);
        return d.matches("sha256:[0-9a-f]{64}") ? d : null;
    }

    private static boolean sameImage(ObservedAsset slot, String statusImage) {
        if (statusImage.isEmpty()) {
            return true;
        }
        try {
            ImageReference ran = ImageReference.parse(statusImage);
            ImageReference spec = ImageReference.parse(slot.image() + ":" + slot.tag());
            return ran.repositoryOnly().name().equals(spec.repositoryOnly().name())
                    && (ran.tag() == null || ran.tag().equals(slot.tag()));
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
