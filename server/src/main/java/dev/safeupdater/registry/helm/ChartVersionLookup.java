package dev.safeupdater.registry.helm;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.registry.RegistryException;
import dev.safeupdater.registry.ReleaseTime;
import dev.safeupdater.registry.TagSource;

/**
 * Finds the published versions of a chart in an HTTP repository. As a {@link TagSource} its locations are
 * {@code http(s)://repo/path/chart}, its tags the chart's versions, each with the archive digest and the index's
 * {@code created} time (a release time recorded by the repository).
 */
public interface ChartVersionLookup extends TagSource {
    /** The versions published at {@code chart}, in the order the repository lists them. */
    List<ChartVersion> versions(ChartLocation chart) throws ChartLookupException;

    /** The name a chart's listing is stored under: {@code https://repo/path/chart}. */
    @Override
    default String name(String location) {
        ChartLocation chart = ChartLocation.parse(location);
        return chart.repository() + "/" + chart.chart();
    }

    @Override
    default Listing list(String location) {
        ChartLocation chart = ChartLocation.parse(location);
        List<ChartVersion> versions;
        try {
            versions = versions(chart);
        } catch (ChartLookupException e) {
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, e.getMessage(), e);
        }
        Map<String, Tag> known = new LinkedHashMap<>();
        for (ChartVersion v : versions) {
            known.putIfAbsent(v.version(), tag(v));
        }
        return new Listing(List.copyOf(known.keySet()), known, null, false, false, null);
    }

    @Override
    default Tag describe(String location, String tag, boolean withReleaseTime) {
        Tag t = list(location).known().get(tag);
        if (t == null) {
            throw new RegistryException(RegistryException.Kind.NOT_FOUND,
                    "version " + tag + " is not published at " + location);
        }
        return withReleaseTime ? t : new Tag(t.tag(), t.digest(), null);
    }

    private static Tag tag(ChartVersion v) {
        ReleaseTime release = v.created() == null
                ? new ReleaseTime(null, ReleaseTimeSource.UNKNOWN, "the index gives no creation time")
                : new ReleaseTime(v.created(), ReleaseTimeSource.REGISTRY, null);
        return new Tag(v.version(), archiveDigest(v.digest()), release);
    }

    /** An index's chart digest is the archive's SHA-256 in hex; written like every other digest ({@code sha256:…}). */
    static String archiveDigest(String d) {
        if (d == null || d.isBlank()) {
            return null;
        }
        return d.matches("[0-9a-fA-F]{64}") ? "sha256:" + d.toLowerCase(Locale.ROOT) : d;
    }
}
