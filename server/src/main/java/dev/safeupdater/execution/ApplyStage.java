package dev.safeupdater.execution;

import java.util.List;

import dev.safeupdater.model.Decision;

/**
 * The seam after the plan: what a cycle hands on for applying. {@code current} holds each tracked asset's chosen
 * decision of this cycle (appended by it, or the unchanged one appended earlier) when it is APPROVE in an enforcing
 * scope; the stage enqueues the updates it will run and returns how many. The default does nothing: until an applier
 * is wired (apply.enabled), a cycle only proposes and decides, and reads no decisions back for this stage.
 */
@FunctionalInterface
public interface ApplyStage {
    ApplyStage NONE = current -> 0;

    int enqueue(List<Decision> current);
}
