package dev.safeupdater.execution;

import dev.safeupdater.model.ScanSourceResult;

/** Follows a scan as it runs (the CLI draws its progress bar from this). Every method has a no-op default. */
public interface ScanListener {
    ScanListener NONE = new ScanListener() {
    };

    /** Source {@code index} (0-based) of {@code count} starts listing. */
    default void sourceStarted(String name, String type, int index, int count) {
    }

    /** The source listed {@code done} of {@code total} items ({@code -1}: unknown) of kind {@code what}. */
    default void listed(String name, String what, long done, long total) {
    }

    /** The source's assets are being written to the store. */
    default void storing(String name, int assets) {
    }

    /** The source is done (stored, or failed and left untouched). */
    default void sourceFinished(ScanSourceResult result) {
    }
}
