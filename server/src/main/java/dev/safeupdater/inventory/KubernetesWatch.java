package dev.safeupdater.inventory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.model.ObservedAsset;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the workloads of one cluster source from the resourceVersions of its last full scan and reports each changed
 * workload with its current slots. fabric8 reconnects dropped connections from the last seen resourceVersion; when the
 * API answers that the resourceVersion expired (410 Gone) the watch closes itself and asks for a full resync.
 */
public final class KubernetesWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesWatch.class);

    /** Receives watch results; called from fabric8's threads. */
    public interface Listener {
        /** A workload was added or changed ({@code slots} its current slots) or deleted / opted out (empty). */
        void workload(String kind, String namespace, String name, List<ObservedAsset> slots);

        /** The watch cannot continue; a full scan of the source is needed. Called at most once, after closing. */
        void resync(String reason);
    }

    private final String source;
    private final KubernetesClient client;
    private final List<Watch> watches = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Listener listener;

    private KubernetesWatch(String source, KubernetesClient client, Listener listener) {
        this.source = source;
        this.client = client;
        this.listener = listener;
    }

    /**
     * Opens the watches; returns null (after asking {@code listener} for a resync) when the API answers that the
     * snapshot's resourceVersion already expired.
     */
    static KubernetesWatch start(String source, KubernetesClient client, KubernetesSource.Snapshot snapshot,
                                 NamespaceSelection selection, String labelSelector, WorkloadParser parser,
                                 Enricher enricher, Listener listener) {
        KubernetesWatch w = new KubernetesWatch(source, client, listener);
        w.enricher = enricher;
        NamespaceSelection.Matcher matcher = selection.matcher();
        try {
            for (Map.Entry<WorkloadKind, Map<String, String>> kind : snapshot.resourceVersions().entrySet()) {
                for (Map.Entry<String, String> scope : kind.getValue().entrySet()) {
                    w.watches.add(w.watchOne(kind.getKey(), scope.getKey(), scope.getValue(), labelSelector, parser,
                            matcher));
                }
            }
        } catch (KubernetesClientException e) {
            w.close();
            if (e.getCode() == 410) {
                listener.resync("resourceVersion of the last scan expired (410 Gone)");
                return null;
            }
            throw e;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        LOG.atInfo().addKeyValue("event", "inventory_watch_started").addKeyValue("source", source)
                .addKeyValue("watches", w.watches.size()).log("{}: watching {} lists", source, w.watches.size());
        return w;
    }

    /** Completes the slots of one watched workload (the running digests of mutable tags) before they are reported. */
    interface Enricher {
        Enricher NONE = (kind, item, slots, problems) -> slots;

        List<ObservedAsset> enrich(WorkloadKind kind, JsonNode item, List<ObservedAsset> slots, List<String> problems);
    }

    private volatile Enricher enricher = Enricher.NONE;

    /** How many watch connections are open. */
    public int size() {
        return watches.size();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Watch watchOne(WorkloadKind kind, String namespace, String resourceVersion, String labelSelector,
                           WorkloadParser parser, NamespaceSelection.Matcher matcher) {
        MixedOperation op = switch (kind) {
            case DEPLOYMENT -> client.apps().deployments();
            case STATEFULSET -> client.apps().statefulSets();
            case DAEMONSET -> client.apps().daemonSets();
            case CRONJOB -> client.batch().v1().cronjobs();
        };
        FilterWatchListDeletable scoped = namespace == null ? (FilterWatchListDeletable) op.inAnyNamespace()
                : (FilterWatchListDeletable) op.inNamespace(namespace);
        if (labelSelector != null) {
            scoped = (FilterWatchListDeletable) scoped.withLabelSelector(labelSelector);
        }
        ListOptions options = new ListOptionsBuilder().withResourceVersion(resourceVersion)
                .withAllowWatchBookmarks(true).build();
        return scoped.watch(options, new Watcher<HasMetadata>() {
            @Override
            public void eventReceived(Action action, HasMetadata resource) {
                if (closed.get() || action == Action.BOOKMARK || action == Action.ERROR) {
                    return;
                }
                String ns = resource.getMetadata().getNamespace();
                String name = resource.getMetadata().getName();
                if (ns == null || name == null || !matcher.selects(ns)) {
                    return;
                }
                List<ObservedAsset> slots = List.of();
                if (action != Action.DELETED) {
                    try {
                        JsonNode json = KubeApi.MAPPER.readTree(client.getKubernetesSerialization().asJson(resource));
                        List<String> problems = new ArrayList<>();
                        slots = enricher.enrich(kind, json, parser.parse(kind, json, problems, new HashSet<>()),
                                problems);
                        problems.forEach(p -> LOG.atWarn().addKeyValue("event", "inventory_watch_skipped")
                                .addKeyValue("source", source).log("{}: {}", source, p));
                    } catch (IOException | RuntimeException e) {
                        LOG.atWarn().setCause(e).addKeyValue("event", "inventory_watch_event_failed")
                                .addKeyValue("source", source).log("{}: cannot read a {} event", source, kind.kind);
                        return;
                    }
                }
                listener.workload(kind.kind, ns, name, slots);
            }

            @Override
            public void onClose(WatcherException cause) {
                if (closed.get()) {
                    return;
                }
                String reason = cause.isHttpGone() ? kind.kind + " resourceVersion expired (410 Gone)"
                        : kind.kind + " watch ended: " + cause.getMessage();
                close();
                listener.resync(reason);
            }

            @Override
            public void onClose() {
                // closed by us
            }
        });
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (Watch w : watches) {
                try {
                    w.close();
                } catch (RuntimeException e) {
                    LOG.atDebug().setCause(e).log("closing a watch");
                }
            }
            client.close();
        }
    }
}
