package dev.safeupdater.policy;

import java.util.Objects;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;

/** A candidate and its asset's history; the engine finds the scope. */
public record PolicyInput(Candidate candidate, History history) {
    public PolicyInput {
        Objects.requireNonNull(candidate, "candidate");
        history = history == null ? History.EMPTY : history;
    }
}
