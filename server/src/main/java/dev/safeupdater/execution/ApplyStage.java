package dev.safeupdater.execution;

import java.util.List;

import dev.safeupdater.model.Decision;

/**
 * The seam after the plan: what a cycle hands on for applying. {@code current} holds each tracked asset's chosen
 * decision of this cycle (appended by it, or the unchanged one appended earlier); the stage enqueues the updates it
 * will run (typically the APPROVE ones in enforcing scopes) and returns how many. The default does nothing: until an
 * applier is wired, a cycle only proposes and decides.
 */
@FunctionalInterface
public interface ApplyStage {
    ApplyStage NONE = current -> 0;

    int enqueue(List<Decision> current);
}
