package dev.safeupdater.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The fact a policy sees for one proposed change: which asset, from which tag to which tag, and what kind of
 * change that is. Immutable; rules read it and write their verdict elsewhere. {@code currentPrerelease} and
 * {@code candidatePrerelease} say whether the running and the proposed tag are prereleases (e.g. 1.3.0-rc.1).
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
                        ReleaseTimeSource releaseTimeSource,
                        boolean candidatePrerelease) {
    /** Without {@code candidatePrerelease} (false): for callers that do not know it. */
    public Candidate(AssetKey asset, Map<String, String> labels, Map<String, String> annotations, String image,
                     String currentTag, String currentDigest, String candidateTag, String candidateDigest,
                     ChangeType changeType, boolean currentPrerelease, Instant releaseTime,
                     ReleaseTimeSource releaseTimeSource) {
        this(asset, labels, annotations, image, currentTag, currentDigest, candidateTag, candidateDigest, changeType,
                currentPrerelease, releaseTime, releaseTimeSource, false);
    }

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

    /**
     * The change in words, for reasons: {@code PATCH change 1.4.2 -> 1.4.3}, or for a new image behind the same tag
     * {@code DIGEST change of latest (sha256:1111aaaa2222 -> sha256:3333bbbb4444)}.
     */
    public String changeText() {
        if (changeType == ChangeType.DIGEST || (currentTag != null && currentTag.equals(candidateTag))) {
            return changeType + " change of " + candidateTag + " (" + shortDigest(currentDigest) + " -> "
                    + shortDigest(candidateDigest) + ")";
        }
        return changeType + " change " + currentTag + " -> " + candidateTag;
    }

    private static String shortDigest(String digest) {
        if (digest == null) {
            return "digest unknown";
        }
        int colon = digest.indexOf(':');
        return digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
    }
}
