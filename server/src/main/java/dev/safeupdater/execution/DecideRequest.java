package dev.safeupdater.execution;

/**
 * Asks for a stored decision on moving an asset to {@code candidateTag} (and, if given, that digest). The tag must be
 * in the registry's recorded listing of the asset's image; the digest and release time come from that listing (a
 * caller cannot supply a release time: only the registry stage records them).
 */
public record DecideRequest(String candidateTag, String candidateDigest) {
}
