package dev.safeupdater.execution;

/** The request is valid but conflicts with the current state (HTTP 409); the message says what to do instead. */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
