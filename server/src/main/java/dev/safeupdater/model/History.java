package dev.safeupdater.model;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * An asset's past as far as the policy cares: failed and rolled-back updates in a recent window, pinned (never again)
 * versions, votes for the candidate, and the last successful update. The one shape of it: the store reads it, a
 * what-if request states it, and the policy sees it.
 */
public record History(List<Failure> failures, List<Pin> pins, List<Approval> approvals, LastUpdate lastUpdate) {
    public static final History EMPTY = new History(List.of(), List.of(), List.of(), null);

    /**
     * How far back failures count for a decision: 7 days, or a scope's {@code failureCooldown} when that is longer
     * (the policy stage's {@code ScopePolicy.failureWindow()}); applied the same way to stored, stated and tested
     * histories.
     */
    public static final Duration FAILURE_WINDOW = Duration.ofDays(7);

    public History {
        failures = failures == null ? List.of() : List.copyOf(failures);
        pins = pins == null ? List.of() : List.copyOf(pins);
        approvals = approvals == null ? List.of() : List.copyOf(approvals);
    }

    /** This history with only the failures at or after {@code since} (itself when none is older). */
    public History failuresSince(Instant since) {
        if (failures.stream().allMatch(f -> f.at() == null || !f.at().isBefore(since))) {
            return this;
        }
        return new History(failures.stream().filter(f -> f.at() == null || !f.at().isBefore(since)).toList(), pins,
                approvals, lastUpdate);
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
