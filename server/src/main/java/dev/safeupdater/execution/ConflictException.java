package dev.safeupdater.execution;

/** The request is well-formed but the state it is about refuses it (an asset that is gone, nothing recorded yet). */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
