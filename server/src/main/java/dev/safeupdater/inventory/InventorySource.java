package dev.safeupdater.inventory;

/**
 * Something that can say what runs: a Kubernetes cluster, a Docker engine, the Helm releases of a cluster, a YAML
 * file. One instance per configured source; {@link #name()} is unique among them.
 */
public interface InventorySource {
    /** The configured, unique name ({@code scan --source NAME}); recorded as the owner of the assets it reports. */
    String name();

    /** {@code kubernetes}, {@code docker}, {@code helm} or {@code static}: the {@code source} of its assets. */
    String type();

    /**
     * Lists everything this source sees, now. A source that cannot list at all throws {@link SourceException}; one
     * that could list only part of what it should reports the rest in {@link SourceScan#unlisted()}, so the store
     * leaves that part as it was.
     */
    SourceScan scan(ScanProgress progress) throws SourceException;
}
