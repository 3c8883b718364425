package dev.safeupdater.store;

import java.time.Instant;

import dev.safeupdater.model.AssetKey;

/**
 * One update run as the executor works with it: the run's row, the coordinates of its asset, and the revisions its
 * decision was made under, the decision's scope and change type (what a notification about the run names).
 */
public record RunRecord(long id,
                        long assetId,
                        long decisionId,
                        AssetKey key,
                        String fromTag,
                        String toTag,
                        String fromDigest,
                        String toDigest,
                        String fromImage,
                        String toImage,
                        String state,
                        String leaseOwner,
                        Instant leaseExpiresAt,
                        int attempt,
                        String error,
                        boolean unhealthy,
                        Instant createdAt,
                        Instant startedAt,
                        String rulesetRevision,
                        String policyRevision,
                        String waiting,
                        String scope,
                        String changeType) {
}
