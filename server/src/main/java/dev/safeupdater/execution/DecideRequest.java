package dev.safeupdater.execution;

/** Asks for a stored decision on moving an asset to {@code candidateTag} (and, if known, that digest). */
public record DecideRequest(String candidateTag, String candidateDigest) {
}
