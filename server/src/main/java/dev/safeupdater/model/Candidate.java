package dev.safeupdater.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The fact a policy sees for one proposed change: which asset, from which tag to which tag, and what kind of
 * change that is. Immutable; rules read it and write their verdict elsewhere.
 */
public record Candidate(AssetKey asset,
                        Map<String, String> labels,
                        Map<String, String> annotations,
                        String image,
                        String currentTag,
                        String currentDigest,
                        String candidateTag,
                        String candidateDigest,
                        ChangeType changeType,
                        boolean currentPrerelease,
                        Instant releaseTime,
                        ReleaseTimeSource releaseTimeSource) {
    public Candidate {
        Objects.requireNonNull(asset, "asset");
        Objects.requireNonNull(changeType, "changeType");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        releaseTimeSource = releaseTimeSource == null ? ReleaseTimeSource.UNKNOWN : releaseTimeSource;
    }

    // Flat accessors so rules can write Candidate( namespace == "prod" ) instead of asset.namespace.
    public String source() {
        return asset.source();
    }

    public String cluster() {
        return asset.cluster();
    }

    public String namespace() {
        return asset.namespace();
    }

    public String kind() {
        return asset.kind();
    }

    public String name() {
        return asset.name();
    }

    public String container() {
        return asset.container();
    }

    /** The value of a label, or null. */
    public String label(String key) {
        return labels.get(key);
    }
}
