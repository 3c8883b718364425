package dev.safeupdater.store;

/** A page cursor that this listing did not hand out (or that was mangled). */
public final class InvalidCursorException extends IllegalArgumentException {
    public InvalidCursorException() {
        super("invalid cursor");
    }
}
