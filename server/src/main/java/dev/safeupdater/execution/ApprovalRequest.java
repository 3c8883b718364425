package dev.safeupdater.execution;

import java.time.Instant;

/**
 * A vote for moving an asset to {@code candidateTag}; without {@code candidateDigest} the digest of the newest
 * decision for that tag is meant. {@code expiresAt} optionally ends the vote early.
 */
public record ApprovalRequest(String candidateTag, String candidateDigest, String comment, Instant expiresAt) {
}
