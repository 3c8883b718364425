package dev.safeupdater.execution;

/**
 * Applying updates: the planner that queues runs for approved decisions, the executor that works them, and pins.
 * {@code executor} is null when no executor runs in this process (one-shot commands).
 */
public record Rollouts(RunPlanner planner, RunExecutor executor, PinService pins) {
}
