package dev.safeupdater.registry.helm;

import java.util.List;

/** Finds the published versions of a chart. */
public interface ChartVersionLookup {
    /** The versions published at {@code chart}, in the order the repository lists them. */
    List<ChartVersion> versions(ChartLocation chart) throws ChartLookupException;
}
