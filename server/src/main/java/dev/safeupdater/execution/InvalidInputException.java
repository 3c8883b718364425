package dev.safeupdater.execution;

import java.util.List;
import java.util.stream.Collectors;

/** Input was refused before anything was written; {@link #errors()} lists every problem found. */
public final class InvalidInputException extends RuntimeException {
    private final List<FieldError> errors;

    public InvalidInputException(List<FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
