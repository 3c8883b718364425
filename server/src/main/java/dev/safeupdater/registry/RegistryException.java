package dev.safeupdater.registry;

/**
 * A registry lookup failed. The message is safe to show and store: it never contains credentials or tokens.
 */
public final class RegistryException extends RuntimeException {
    /** What kind of failure, for callers that react differently (e.g. not found vs. unavailable). */
    public enum Kind {
        NOT_FOUND, UNAUTHORIZED, DENIED, RATE_LIMITED, UNAVAILABLE, TLS, PROTOCOL, TOO_LARGE, CONFIGURATION
    }

    private final Kind kind;

    public RegistryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
