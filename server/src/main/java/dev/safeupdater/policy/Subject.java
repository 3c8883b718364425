package dev.safeupdater.policy;

import java.util.Objects;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;

/** One candidate ready for the rules: its scope (null: none matched) and its asset's history. */
public record Subject(Candidate candidate, ScopeMatch scope, History history) {
    public Subject {
        Objects.requireNonNull(candidate, "candidate");
        history = history == null ? History.EMPTY : history;
    }

    /** How far back failures count for this subject: its scope's failure window, 7 days without a scope. */
    public java.time.Duration failureWindow() {
        return scope == null ? History.FAILURE_WINDOW : scope.policy().failureWindow();
    }

    /** This subject with only the failures inside its failure window before {@code now} (itself when none is older). */
    Subject withinFailureWindow(java.time.Instant now) {
        History h = history.failuresSince(now.minus(failureWindow()));
        return h == history ? this : new Subject(candidate, scope, h);
    }
}
