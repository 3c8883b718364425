package dev.safeupdater.inventory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists one kind of object across the selected namespaces of a cluster, in pages of {@code pageSize}
 * ({@code limit}/{@code continue}). It lists cluster-wide when it can (a handful of requests for thousands of
 * objects) and falls back to namespace-by-namespace lists when a cluster-wide list is forbidden or only literal
 * namespaces are selected. A namespace that answers 403 is recorded as unlisted (its assets are kept as they were)
 * instead of failing the source. Any other failure (API unreachable, 5xx, 401) fails the list.
 */
final class NamespacedLister {
    private static final Logger LOG = LoggerFactory.getLogger(NamespacedLister.class);
    private static final int MAX_RESTARTS = 2;

    private final KubeApi api;
    private final String source;
    private final NamespaceSelection.Matcher matcher;
    private final int pageSize;
    private final ScanProgress progress;
    private final List<SourceScan.Unlisted> unlisted = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    /** Null while listing cluster-wide; the namespaces to list one by one otherwise. */
    private List<String> namespaces;
    private long listed;

    NamespacedLister(KubeApi api, String source, NamespaceSelection selection, int pageSize, ScanProgress progress) {
        this.api = api;
        this.source = source;
        this.matcher = selection.matcher();
        this.pageSize = pageSize;
        this.progress = progress;
        this.namespaces = selection.literalNamespaces();
    }

    /** A list's results and the resourceVersion of each listed scope (null key: cluster-wide) for watches. */
    record Listed<T>(List<T> items, Map<String, String> resourceVersions) {
    }

    /** One kind of object to list. */
    record Target(String what, String clusterPath, Function<String, String> namespacePath, String labelSelector) {
    }

    /**
     * Lists {@code target} everywhere selected and maps each object of a selected namespace through {@code map}.
     *
     * @throws SourceException when the API cannot be reached or refuses in a way that is not per namespace
     */
    <T> Listed<T> list(Target target, Function<JsonNode, List<T>> map) throws SourceException {
        List<T> out = new ArrayList<>();
        Map<String, String> versions = new LinkedHashMap<>();
        if (namespaces == null) {
            try {
                versions.put(null, listAll(target.what(), target.clusterPath(), target.labelSelector(), map, out, true));
                return new Listed<>(out, versions);
            } catch (KubeApi.ApiError e) {
                if (e.status == 404) {
                    warnings.add(target.what() + " is not served by this cluster (" + e.getMessage() + ")");
                    unlisted.add(new SourceScan.Unlisted(null, target.what()));
                    return new Listed<>(out, versions);
                }
                if (e.status != 403) {
                    throw failure("listing " + target.what() + " cluster-wide", e);
                }
                LOG.atInfo().addKeyValue("event", "inventory_namespaced_fallback").addKeyValue("source", source)
                        .addKeyValue("kind", target.what())
                        .log("{}: listing {} cluster-wide is forbidden; listing namespace by namespace", source,
                                target.what());
                namespaces = selectedNamespaces(target.what());
                out.clear();
            }
        }
        for (String ns : namespaces) {
            try {
                versions.put(ns, listAll(target.what(), target.namespacePath().apply(ns), target.labelSelector(), map,
                        out, false));
            } catch (KubeApi.ApiError e) {
                if (e.status == 403 || e.status == 404) {
                    warnings.add("namespace " + ns + ": cannot list " + target.what() + " (" + e.getMessage()
                            + "); its assets are kept as they were");
                    unlisted.add(new SourceScan.Unlisted(ns, target.what()));
                } else {
                    throw failure("listing " + target.what() + " in namespace " + ns, e);
                }
            }
        }
        return new Listed<>(out, versions);
    }

    List<SourceScan.Unlisted> unlisted() {
        return unlisted;
    }

    List<String> warnings() {
        return warnings;
    }

    /** Null when listing cluster-wide; otherwise the namespaces listed one by one. */
    List<String> namespaces() {
        return namespaces;
    }

    int requests() {
        return api.requests();
    }

    /** Pages through one list; restarts it when the continue token expires (410) mid-way. */
    private <T> String listAll(String what, String path, String labelSelector, Function<JsonNode, List<T>> map,
                               List<T> out, boolean filterNamespaces) throws KubeApi.ApiError, SourceException {
        int mark = out.size();
        long listedAtStart = listed;
        for (int attempt = 0; ; attempt++) {
            String cont = null;
            String rv = null;
            try {
                do {
                    KubeApi.PageInfo page = api.listPage(path, KubeApi.query("labelSelector", labelSelector,
                            "limit", Integer.toString(pageSize), "continue", cont), item -> {
                        listed++;
                        if (!filterNamespaces || matcher.selects(item.path("metadata").path("namespace").asText(""))) {
                            out.addAll(map.apply(item));
                        }
                    });
                    if (rv == null) {
                        rv = page.resourceVersion();
                    }
                    cont = page.continueToken();
                    progress.listed(what, listed, page.remainingItemCount() >= 0
                            ? listed + page.remainingItemCount() : -1);
                } while (cont != null);
                return rv;
            } catch (KubeApi.ApiError e) {
                if (e.status == 410 && cont != null && attempt < MAX_RESTARTS) {
                    // the snapshot the continue token pointed into expired: start this list again
                    out.subList(mark, out.size()).clear();
                    listed = listedAtStart;
                    continue;
                }
                throw e;
            } catch (IOException e) {
                throw new SourceException(source + ": cannot list " + what + " from the API server: " + e.getMessage(),
                        e);
            }
        }
    }

    private List<String> selectedNamespaces(String what) throws SourceException {
        List<String> names = new ArrayList<>();
        try {
            String cont = null;
            do {
                KubeApi.PageInfo page = api.listPage("/api/v1/namespaces",
                        KubeApi.query("limit", Integer.toString(pageSize), "continue", cont), item -> {
                            String n = item.path("metadata").path("name").asText("");
                            if (!n.isEmpty() && matcher.selects(n)) {
                                names.add(n);
                            }
                        });
                cont = page.continueToken();
            } while (cont != null);
        } catch (KubeApi.ApiError e) {
            throw new SourceException(source + ": listing " + what + " cluster-wide is forbidden and so is listing"
                    + " namespaces (" + e.getMessage() + "); name the namespaces literally in namespaces.include");
        } catch (IOException e) {
            throw new SourceException(source + ": cannot list namespaces from the API server: " + e.getMessage(), e);
        }
        return names;
    }

    private SourceException failure(String doing, KubeApi.ApiError e) {
        String hint = e.status == 401 ? " (the credentials were refused)" : "";
        return new SourceException(source + ": " + doing + " failed: " + e.getMessage() + hint, e);
    }
}
