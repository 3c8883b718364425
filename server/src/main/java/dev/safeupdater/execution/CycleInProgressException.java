package dev.safeupdater.execution;

/** A cycle was asked for while another one runs; ask again when it has finished. */
public final class CycleInProgressException extends RuntimeException {
    private final long runningId;

    public CycleInProgressException(long runningId) {
        super("cycle " + runningId + " is running; cycles never overlap, try again when it has finished");
        this.runningId = runningId;
    }

    /** The id of the cycle that runs (0 when not known yet). */
    public long runningId() {
        return runningId;
    }
}
