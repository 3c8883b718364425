package dev.safeupdater.execution;

/** One thing wrong with one input field. */
public record FieldError(String field, String message) {
}
