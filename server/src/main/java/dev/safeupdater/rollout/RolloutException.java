package dev.safeupdater.rollout;

/** A step of an update could not be done; the message says what and why, and never carries secrets. */
public class RolloutException extends Exception {
    private static final long serialVersionUID = 1L;

    public RolloutException(String message) {
        super(message);
    }

    public RolloutException(String message, Throwable cause) {
        super(message, cause);
    }
}
