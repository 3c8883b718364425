package dev.safeupdater.model;

import java.time.Instant;

/**
 * One update run as the history lists it: the asset it changed, the change, the decision that allowed it (outcome,
 * scope), where it stands ({@code state}; terminal states are SUCCEEDED, FAILED, ROLLED_BACK, ROLLBACK_FAILED) and
 * when it was created, started and finished; {@code rolledBack} when it ended ROLLED_BACK or ROLLBACK_FAILED.
 */
public record RunSummary(long id,
                         long assetId,
                         AssetKey asset,
                         String image,
                         String fromTag,
                         String toTag,
                         String fromDigest,
                         String toDigest,
                         ChangeType changeType,
                         long decisionId,
                         Outcome outcome,
                         String scope,
                         String state,
                         String error,
                         Instant createdAt,
                         Instant startedAt,
                         Instant finishedAt,
                         boolean rolledBack) {
    /** Whether the run ended without its new version: FAILED, ROLLED_BACK or ROLLBACK_FAILED. */
    public boolean endedBadly() {
        return "FAILED".equals(state) || rolledBack(state);
    }

    /** Whether a run in {@code state} ended rolled back (successfully or not). */
    public static boolean rolledBack(String state) {
        return "ROLLED_BACK".equals(state) || "ROLLBACK_FAILED".equals(state);
    }
}
