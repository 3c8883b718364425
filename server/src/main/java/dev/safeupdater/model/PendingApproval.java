package dev.safeupdater.model;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A candidate held until enough people approve it: the newest decision for the asset (HOLD in an enforcing scope
 * that requires approvals), who has voted for it so far, how many votes are needed, how long a vote counts
 * ({@code voteWindow}) and the {@code deadline} at which the oldest vote counted lapses (null without votes).
 * {@code heldSince} is the first decision that held this candidate.
 */
public record PendingApproval(long decisionId,
                              long assetId,
                              AssetKey asset,
                              String image,
                              String fromTag,
                              String toTag,
                              String toDigest,
                              ChangeType changeType,
                              String scope,
                              Instant heldSince,
                              List<String> voters,
                              int votes,
                              int needed,
                              Duration voteWindow,
                              Instant deadline) {
    public PendingApproval {
        voters = List.copyOf(voters);
    }
}
