package dev.safeupdater.policy;

import dev.safeupdater.model.Candidate;

/**
 * Turns a described candidate into the fact the server would build (change type and prerelease flags from the
 * version stage). The policy stage does not classify versions itself; the application supplies this.
 */
@FunctionalInterface
public interface CandidateBuilder {
    Candidate build(CandidateSpec spec);
}
