package dev.safeupdater.rollout;

import java.time.Duration;

/**
 * Changes one workload of one platform, the write-side twin of {@code inventory.InventorySource}: one class per
 * platform (Docker, Kubernetes; Helm releases later). The run state machine in {@code execution} calls these steps in
 * order and records each transition; an applier keeps no state between calls, so a run taken over after a crash can
 * continue with another instance (possibly in another process). One applier instance serves one inventory source
 * (the same connection the source lists with, from {@code platform}); {@code execution} picks it by
 * {@code change.key().source()}.
 */
public interface Applier {

    /**
     * Checks everything that can be checked without touching the workload (the new image can be pulled, the workload
     * exists and still runs the expected image). Throws {@link RolloutException} when the update must not start;
     * nothing has been changed then.
     */
    void preflight(Change change) throws RolloutException;

    /**
     * Applies the change and marks the workload with the run id (an annotation, a label), so {@link #landed} can
     * tell after a crash whether this run's change is in place. Never called twice for one run.
     */
    void apply(Change change) throws RolloutException;

    /** After a crash: is this run's change in place on the live workload? Reads, never writes. */
    Landing landed(Change change) throws RolloutException;

    /** Waits until the workload is healthy on the new version or {@code timeout} passes. Never throws for ill health. */
    Health verify(Change change, Duration timeout) throws RolloutException;

    /**
     * After a successful verification: removes what was kept for a rollback (Docker: the old, stopped container).
     * Idempotent: after a crash it may be called again. Platforms that keep nothing do nothing.
     */
    default void finish(Change change) throws RolloutException {
    }

    /** Puts the previous version back (and its configuration, where the platform keeps it). */
    void rollback(Change change) throws RolloutException;

    /** Where a run's change stands on the live workload. */
    enum Landing {
        /** The workload still runs the previous version: the change never happened. */
        NOT_APPLIED,
        /** The workload runs this run's version, marked with this run's id. */
        APPLIED,
        /** The workload runs something else than either version (changed by someone else). */
        CHANGED_ELSEWHERE
    }
}
