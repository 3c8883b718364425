package dev.safeupdater.registry.helm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Chart versions from either kind of repository: HTTP repositories through their {@code index.yaml}
 * ({@link HelmIndexClient}), OCI repositories through the registry's tag list ({@link OciTagLister}). Helm stores a
 * chart version {@code 1.2.3+build} as the OCI tag {@code 1.2.3_build} (tags cannot hold {@code +}); that is undone
 * here, and tags that are not SemVer versions (e.g. {@code latest}, signatures) are not chart versions.
 */
public final class ChartVersions implements ChartVersionLookup {
    private static final Pattern SEMVER = Pattern.compile(
            "v?\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?");

    private final HelmIndexClient http;
    private final OciTagLister oci;

    /** @param oci the registry client's tag listing; null when OCI chart repositories are not supported */
    public ChartVersions(HelmIndexClient http, OciTagLister oci) {
        this.http = http;
        this.oci = oci;
    }

    @Override
    public List<ChartVersion> versions(ChartLocation chart) throws ChartLookupException {
        if (chart.kind() == ChartLocation.Kind.HTTP) {
            return http.versions(chart);
        }
        if (oci == null) {
            throw new ChartLookupException("oci://" + chart.repository() + ": no OCI registry client is configured");
        }
        List<String> tags;
        try {
            tags = oci.tags(chart.repository());
        } catch (Exception e) {
            throw new ChartLookupException("oci://" + chart.repository() + ": cannot list tags: " + e.getMessage(), e);
        }
        List<ChartVersion> out = new ArrayList<>();
        for (String tag : tags) {
            String version = tag.replace('_', '+');
            if (SEMVER.matcher(version).matches()) {
                out.add(new ChartVersion(version, null, null, null, false, List.of()));
            }
        }
        return out;
    }
}
