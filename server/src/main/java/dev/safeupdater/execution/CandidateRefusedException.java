package dev.safeupdater.execution;

import java.util.List;

/**
 * A candidate that is well-formed but not what the registry holds: a tag missing from the recorded listing, or a
 * digest other than the one recorded for the tag. The errors name the fields and say what was recorded.
 */
public final class CandidateRefusedException extends RuntimeException {
    private final List<FieldError> errors;

    public CandidateRefusedException(List<FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).reduce((a, b) -> a + "; " + b).orElse(""));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
