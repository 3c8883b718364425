package dev.safeupdater.execution;

/** A scan was asked for while another one runs in this process; ask again when it has finished. */
public final class ScanInProgressException extends RuntimeException {
    public ScanInProgressException() {
        super("a scan is already running; try again when it has finished");
    }
}
