package dev.safeupdater.store;

import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a statement per slice of a long list: {@code IN} lists, JDBC batches and multi-row INSERTs stay within what
 * every driver accepts.
 */
final class Chunks {
    private Chunks() {
    }

    /** Hands {@code rows} to {@code action} {@code size} at a time, in order (views of {@code rows}, not copies). */
    static <T> void forEach(List<T> rows, int size, Consumer<List<T>> action) {
        for (int from = 0; from < rows.size(); from += size) {
            action.accept(rows.subList(from, Math.min(rows.size(), from + size)));
        }
    }
}
