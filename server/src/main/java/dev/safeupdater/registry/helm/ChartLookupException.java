package dev.safeupdater.registry.helm;

/** A chart's versions could not be read; the message says where and why (never credentials). */
public final class ChartLookupException extends Exception {
    public ChartLookupException(String message) {
        super(message);
    }

    public ChartLookupException(String message, Throwable cause) {
        super(message, cause);
    }
}
