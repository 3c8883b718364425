package dev.safeupdater.model;

/**
 * A page cursor that this listing did not hand out (or that was mangled). Thrown by every keyset listing; the HTTP
 * API answers it with one 400 naming the {@code cursor} parameter.
 */
public final class InvalidCursorException extends IllegalArgumentException {
    /** What is wrong with the {@code cursor} parameter, in the words of every listing. */
    public static final String MESSAGE = "is not a cursor from a previous page of this listing";

    public InvalidCursorException() {
        super("cursor " + MESSAGE);
    }
}
