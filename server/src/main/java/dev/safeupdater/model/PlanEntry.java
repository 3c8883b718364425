package dev.safeupdater.model;

import java.time.Instant;
import java.util.List;

/**
 * What the plan proposes for one tracked asset: current → proposed version, the change type, the outcome, the rule
 * that decided, the reason and what the update waits for; every candidate considered; when the asset was last
 * evaluated and whether its registry data is stale (with the error). {@code outcome} null: nothing to propose.
 */
public record PlanEntry(long assetId,
                        AssetKey asset,
                        String image,
                        String currentTag,
                        String currentDigest,
                        String proposedTag,
                        String proposedDigest,
                        ChangeType changeType,
                        Outcome outcome,
                        String decidedBy,
                        String reason,
                        String scope,
                        String mode,
                        List<WaitsFor> waitsFor,
                        List<PlanCandidate> candidates,
                        Long decisionId,
                        Long cycleId,
                        Instant evaluatedAt,
                        boolean stale,
                        Instant staleSince,
                        String error) {
    public PlanEntry {
        waitsFor = waitsFor == null ? List.of() : List.copyOf(waitsFor);
        candidates = candidates == null ? List.of() : List.copyOf(candidates);
    }

    /**
     * One thing a held update waits for. {@code kind}: window, release-age, release-time, approvals, freeze,
     * failure-cooldown, pinned, beyond-allow, no-scope; {@code until} when it ends by itself (null: it needs a person),
     * {@code have}/{@code need} for approvals.
     */
    public record WaitsFor(String kind, String text, Instant until, Integer have, Integer need) {
    }

    /** One candidate the cycle decided for the asset (one per change class) and the decision row that says so. */
    public record PlanCandidate(String changeClass, String tag, String digest, Outcome outcome, String reason,
                                Long decisionId) {
    }
}
