package dev.safeupdater.inventory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.platform.KubernetesConnection;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Deployments, StatefulSets, DaemonSets and CronJobs of one cluster: one asset slot per container (init containers
 * when asked), filtered by namespace globs, a label selector and the {@code safe-updater.io/} hints. Lists are paged
 * and streamed; see {@link NamespacedLister}. With {@code watch}, {@link #watch} keeps the inventory current between
 * full scans from the resourceVersions of the last scan. Containers on mutable tags get the digest their pods run
 * ({@link RunningDigests}) when the source is given the version stage's judgement of what a mutable tag is.
 */
public final class KubernetesSource implements InventorySource {
    private final String name;
    private final String cluster;
    private final KubernetesConnection connection;
    private final NamespaceSelection namespaces;
    private final String labelSelector;
    private final List<WorkloadKind> kinds;
    private final boolean initContainers;
    private final boolean requireOptIn;
    private final int pageSize;
    private final boolean pullSecrets;
    private final boolean watchEnabled;
    private final Predicate<String> mutableTag;
    private volatile Snapshot last;

    KubernetesSource(String name, String cluster, KubernetesConnection connection, NamespaceSelection namespaces,
                     String labelSelector, List<WorkloadKind> kinds, boolean initContainers, boolean requireOptIn,
                     int pageSize, boolean pullSecrets, boolean watch) {
        this(name, cluster, connection, namespaces, labelSelector, kinds, initContainers, requireOptIn, pageSize,
                pullSecrets, watch, null);
    }

    /**
     * With {@code mutableTag} (null: never), containers on tags it accepts get the digest their pods run, read from
     * the workload's pods ({@link RunningDigests}).
     */
    KubernetesSource(String name, String cluster, KubernetesConnection connection, NamespaceSelection namespaces,
                     String labelSelector, List<WorkloadKind> kinds, boolean initContainers, boolean requireOptIn,
                     int pageSize, boolean pullSecrets, boolean watch, Predicate<String> mutableTag) {
        this.mutableTag = mutableTag;
        this.name = name;
        this.cluster = cluster;
        this.connection = connection;
        this.namespaces = namespaces;
        this.labelSelector = labelSelector;
        this.kinds = List.copyOf(kinds);
        this.initContainers = initContainers;
        this.requireOptIn = requireOptIn;
        this.pageSize = pageSize;
        this.pullSecrets = pullSecrets;
        this.watchEnabled = watch;
    }

    /** Where the last successful scan listed from: per kind, the resourceVersion of each listed scope. */
    record Snapshot(List<String> namespaces, Map<WorkloadKind, Map<String, String>> resourceVersions) {
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return WorkloadParser.SOURCE;
    }

    /** The cluster name written into the assets' {@code cluster} column. */
    public String cluster() {
        return cluster;
    }

    /** How this source reaches its cluster; the Kubernetes applier of this cluster uses the same connection. */
    public KubernetesConnection connection() {
        return connection;
    }

    /**
     * The connection of every Kubernetes source among {@code sources}, by cluster name (unique among Kubernetes
     * sources; the assets' {@code cluster}): what {@code rollout.KubernetesAppliers} builds its appliers from.
     */
    public static Map<String, KubernetesConnection> connectionsByCluster(List<? extends InventorySource> sources) {
        Map<String, KubernetesConnection> byCluster = new LinkedHashMap<>();
        for (InventorySource s : sources) {
            if (s instanceof KubernetesSource k) {
                byCluster.put(k.cluster(), k.connection());
            }
        }
        return byCluster;
    }

    /** Whether this source was configured to be watched between scans. */
    public boolean watchEnabled() {
        return watchEnabled;
    }

    @Override
    public SourceScan scan(ScanProgress progress) throws SourceException {
        try (KubernetesClient client = KubeApi.open(connection, name)) {
            KubeApi api = new KubeApi(client, connection.requestTimeout().toMillis());
            NamespacedLister lister = new NamespacedLister(api, name, namespaces, pageSize, progress);
            WorkloadParser parser = new WorkloadParser(cluster, initContainers, requireOptIn);
            List<String> problems = new ArrayList<>();
            Set<String> secretRefs = new LinkedHashSet<>();
            List<ObservedAsset> assets = new ArrayList<>();
            Map<WorkloadKind, Map<String, String>> versions = new LinkedHashMap<>();
            RunningDigests running = mutableTag == null ? null : new RunningDigests(cluster, mutableTag);
            for (WorkloadKind kind : kinds) {
                NamespacedLister.Listed<ObservedAsset> listed = lister.list(target(kind), item -> {
                    List<ObservedAsset> slots = parser.parse(kind, item, problems, secretRefs);
                    if (running != null) {
                        running.note(kind, item, slots);
                    }
                    return slots;
                });
                assets.addAll(listed.items());
                versions.put(kind, listed.resourceVersions());
            }
            List<String> warnings = new ArrayList<>(lister.warnings());
            warnings.addAll(problems);
            if (running != null) {
                List<ObservedAsset> filled = running.fill(api, pageSize, assets, warnings);
                assets = filled;
            }
            List<PullSecret> secrets = pullSecrets
                    ? new PullSecretResolver(api, cluster).resolve(secretRefs, warnings) : List.of();
            last = new Snapshot(lister.namespaces(), versions);
            return new SourceScan(assets, lister.unlisted(), warnings, api.requests(), secrets);
        }
    }

    /**
     * Starts watching the workloads listed by the last successful scan, from that scan's resourceVersions. Events
     * reach {@code listener} one workload at a time; when the API says the resourceVersion expired (410), the watch
     * stops and asks for a full resync. Returns null when no scan has succeeded yet, or when the snapshot's
     * resourceVersion had already expired (the listener was then asked for a resync).
     */
    public KubernetesWatch watch(KubernetesWatch.Listener listener) throws SourceException {
        Snapshot snapshot = last;
        if (snapshot == null) {
            return null;
        }
        KubernetesClient client = KubeApi.open(connection, name);
        KubernetesWatch.Enricher enricher = KubernetesWatch.Enricher.NONE;
        if (mutableTag != null) {
            KubeApi api = new KubeApi(client, connection.requestTimeout().toMillis());
            enricher = (kind, item, slots, problems) -> {
                RunningDigests running = new RunningDigests(cluster, mutableTag);
                running.note(kind, item, slots);
                return running.fill(api, pageSize, slots, problems);
            };
        }
        return KubernetesWatch.start(name, client, snapshot, namespaces, labelSelector,
                new WorkloadParser(cluster, initContainers, requireOptIn), enricher, listener);
    }

    NamespacedLister.Target target(WorkloadKind kind) {
        return new NamespacedLister.Target(kind.kind, kind.clusterPath(), kind::namespacePath, labelSelector);
    }

    /** The request timeout (for tests and diagnostics). */
    Duration requestTimeout() {
        return connection.requestTimeout();
    }
}
