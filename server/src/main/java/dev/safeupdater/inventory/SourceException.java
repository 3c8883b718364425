package dev.safeupdater.inventory;

/**
 * A source could not list what it sees (API down, socket missing, forbidden, bad configuration). The message is
 * meant for operators: it names the source and the cause, and never contains credentials.
 */
public final class SourceException extends Exception {
    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
