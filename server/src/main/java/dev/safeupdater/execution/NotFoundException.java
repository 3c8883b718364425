package dev.safeupdater.execution;

/** The thing asked for does not exist. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String what, Object id) {
        super(what + " " + id + " does not exist");
    }
}
