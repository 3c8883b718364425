package dev.safeupdater.model;

import java.time.Instant;

/**
 * One person's vote on moving an asset to a candidate tag and digest (a new digest needs new votes): {@code vote} is
 * APPROVE or REJECT. Votes are history: renewing a vote appends a new one that {@code replaces} it; a revocation or
 * an expiry is recorded beside it ({@code revokedAt}, {@code expiredAt}). A vote counts until it is revoked,
 * expires (its own {@code expiresAt}, or the scope's approval deadline) or is replaced.
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
                       Instant revokedAt,
                       String vote,
                       Long replaces,
                       Instant expiredAt) {
    public static final String APPROVE = "APPROVE";
    public static final String REJECT = "REJECT";
}
