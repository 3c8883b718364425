package dev.safeupdater.policy;

import java.time.Instant;
import java.util.List;

/**
 * What the store knows about an asset's past, as far as the policy cares: failed and rolled-back updates in a
 * recent window, pinned (never again) versions, votes for the candidate, and the last successful update.
 */
public record History(List<Failure> failures, List<Pin> pins, List<Approval> approvals, LastUpdate lastUpdate) {
    public static final History EMPTY = new History(List.of(), List.of(), List.of(), null);

    public History {
        failures = failures == null ? List.of() : List.copyOf(failures);
        pins = pins == null ? List.of() : List.copyOf(pins);
        approvals = approvals == null ? List.of() : List.copyOf(approvals);
    }

    /** An update of this asset that did not end well; {@code state} is FAILED, ROLLED_BACK or ROLLBACK_FAILED. */
    public record Failure(String fromTag, String toTag, String toDigest, String state, Instant at, String error) {
    }

    /** A version never to propose again; a null digest pins the tag whatever it points to. */
    public record Pin(String tag, String digest, String reason, String createdBy, Instant createdAt) {
    }

    /** One person's vote for the candidate (its tag and digest). */
    public record Approval(String approver, Instant at) {
    }

    /** The last update that succeeded. */
    public record LastUpdate(String fromTag, String toTag, Instant at) {
    }
}
