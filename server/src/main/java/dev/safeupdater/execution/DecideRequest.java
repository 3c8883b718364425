package dev.safeupdater.execution;

import java.time.Instant;

/**
 * Asks for a stored decision on moving an asset to {@code candidateTag} (and, if known, that digest). The release
 * time comes from the registry scan's record of the tag unless given here.
 */
public record DecideRequest(String candidateTag, String candidateDigest, Instant releaseTime,
                            String releaseTimeSource) {
    public DecideRequest(String candidateTag, String candidateDigest) {
        this(candidateTag, candidateDigest, null, null);
    }
}
