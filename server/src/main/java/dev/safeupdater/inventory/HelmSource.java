package dev.safeupdater.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.platform.KubernetesConnection;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The Helm releases of one cluster, read from Helm's release Secrets (label {@code owner=helm}). One asset per
 * release: kind {@code HelmRelease}, the chart version as its tag, and in {@code details} revision, status, chart,
 * app version, chart source and the recent revisions. The current revision is the newest {@code deployed} one, or
 * the newest at all when none is deployed (a failed upgrade); releases uninstalled with {@code --keep-history} are
 * not running and not reported.
 *
 * <p>The chart source (where new chart versions come from) is taken from the configured {@code chartSources}
 * ({@code namespace/release} or chart name → location) or from the chart's annotation
 * {@code safe-updater.io/chart-source}. An OCI source becomes the asset's image {@code oci://host/path/chart}; an
 * HTTP repository becomes {@code https://host/path/chart} (the repository URL plus the chart name, so
 * {@code index.yaml} is next to the last segment). Without a source the image is the bare chart name.
 */
public final class HelmSource implements InventorySource {
    static final String SOURCE = "helm";
    static final String KIND = "HelmRelease";
    static final String CHART_SOURCE_ANNOTATION = Hints.PREFIX + "chart-source";
    private static final int REVISIONS_KEPT = 10;

    private final String name;
    private final String cluster;
    private final KubernetesConnection connection;
    private final NamespaceSelection namespaces;
    private final Map<String, String> chartSources;
    private final int pageSize;

    HelmSource(String name, String cluster, KubernetesConnection connection, NamespaceSelection namespaces,
               Map<String, String> chartSources, int pageSize) {
        this.name = name;
        this.cluster = cluster;
        this.connection = connection;
        this.namespaces = namespaces;
        this.chartSources = Map.copyOf(chartSources);
        this.pageSize = pageSize;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return SOURCE;
    }

    /** The cluster name written into the assets' {@code cluster} column. */
    public String cluster() {
        return cluster;
    }

    @Override
    public SourceScan scan(ScanProgress progress) throws SourceException {
        try (KubernetesClient client = KubeApi.open(connection, name)) {
            KubeApi api = new KubeApi(client, connection.requestTimeout().toMillis());
            NamespacedLister lister = new NamespacedLister(api, name, namespaces, pageSize, progress);
            List<String> warnings = new ArrayList<>();
            NamespacedLister.Listed<HelmRelease> listed = lister.list(new NamespacedLister.Target(KIND,
                    "/api/v1/secrets", ns -> "/api/v1/namespaces/" + ns + "/secrets", "owner=helm"), item -> {
                if (!HelmRelease.SECRET_TYPE.equals(item.path("type").asText(""))) {
                    return List.of();
                }
                try {
                    return List.of(HelmRelease.fromSecret(item));
                } catch (IllegalArgumentException e) {
                    warnings.add("Secret " + item.path("metadata").path("namespace").asText() + "/"
                            + item.path("metadata").path("name").asText() + ": " + e.getMessage());
                    return List.of();
                }
            });
            List<ObservedAsset> assets = new ArrayList<>();
            Map<String, List<HelmRelease>> byRelease = new LinkedHashMap<>();
            for (HelmRelease r : listed.items()) {
                byRelease.computeIfAbsent(r.namespace() + "/" + r.name(), k -> new ArrayList<>()).add(r);
            }
            byRelease.forEach((key, revisions) -> {
                ObservedAsset a = asset(revisions, warnings);
                if (a != null) {
                    assets.add(a);
                }
            });
            List<String> all = new ArrayList<>(lister.warnings());
            all.addAll(warnings);
            return new SourceScan(assets, lister.unlisted(), all, api.requests(), List.of());
        }
    }

    private ObservedAsset asset(List<HelmRelease> revisions, List<String> warnings) {
        revisions.sort(Comparator.comparingInt(HelmRelease::revision).reversed());
        HelmRelease newest = revisions.getFirst();
        String newestStatus = newest.status().toLowerCase(Locale.ROOT);
        if (newestStatus.equals("uninstalled") || newestStatus.equals("uninstalling")) {
            return null;
        }
        HelmRelease current = revisions.stream().filter(r -> r.status().equalsIgnoreCase("deployed")).findFirst()
                .orElse(newest);
        String chart = current.chartName();
        String source = chartSources.get(current.namespace() + "/" + current.name());
        if (source == null) {
            source = chartSources.get(chart);
        }
        if (source == null) {
            source = current.chartAnnotations().get(CHART_SOURCE_ANNOTATION);
        }
        String image = chart;
        if (source != null) {
            String location = chartLocation(source, chart);
            if (location == null) {
                warnings.add("release " + current.namespace() + "/" + current.name() + ": chart source \"" + source
                        + "\" is not an oci://, http:// or https:// location; ignored");
                source = null;
            } else {
                image = location;
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("revision", current.revision());
        details.put("status", current.status());
        details.put("chart", chart);
        details.put("chartVersion", current.chartVersion());
        if (current.appVersion() != null) {
            details.put("appVersion", current.appVersion());
        }
        if (source != null) {
            details.put("chartSource", image);
        }
        if (current.lastDeployed() != null) {
            details.put("lastDeployed", current.lastDeployed());
        }
        if (newest != current) {
            details.put("latestRevision", newest.revision());
            details.put("latestStatus", newest.status());
        }
        List<Map<String, Object>> history = new ArrayList<>();
        for (HelmRelease r : revisions.subList(0, Math.min(REVISIONS_KEPT, revisions.size()))) {
            Map<String, Object> h = new HashMap<>();
            h.put("revision", r.revision());
            h.put("status", r.status());
            h.put("chartVersion", r.chartVersion());
            history.add(h);
        }
        details.put("revisions", history);
        return new ObservedAsset(new AssetKey(SOURCE, cluster, current.namespace(), KIND, current.name(), ""), image,
                current.chartVersion().isEmpty() ? null : current.chartVersion(), null, current.labels(),
                current.chartAnnotations(), details);
    }

    /**
     * The asset image for a chart source: {@code oci://host/path/chart} (the chart name appended unless already
     * last), or {@code http(s)://repo/chart}; null when {@code source} is neither.
     */
    static String chartLocation(String source, String chart) {
        String s = source.strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.startsWith("oci://")) {
            return s.endsWith("/" + chart) ? s : s + "/" + chart;
        }
        if (s.startsWith("https://") || s.startsWith("http://")) {
            return s + "/" + chart;
        }
        return null;
    }
}
