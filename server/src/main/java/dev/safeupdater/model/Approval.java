package dev.safeupdater.model;

import java.time.Instant;

/**
 * One person's vote that an asset may move to a candidate tag (and digest: a new digest needs new votes). A vote
 * counts until it expires, is revoked, or becomes older than the scope's approval deadline.
 */
public record Approval(long id,
                       long assetId,
                       Long decisionId,
                       String toTag,
                       String toDigest,
                       String approver,
                       String comment,
                       Instant createdAt,
                       Instant expiresAt,
                       Instant revokedAt) {
}
