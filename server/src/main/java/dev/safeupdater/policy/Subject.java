package dev.safeupdater.policy;

import java.util.Objects;

import dev.safeupdater.model.Candidate;

/** One candidate ready for the rules: its scope (null: none matched) and its asset's history. */
public record Subject(Candidate candidate, ScopeMatch scope, History history) {
    public Subject {
        Objects.requireNonNull(candidate, "candidate");
        history = history == null ? History.EMPTY : history;
    }
}
