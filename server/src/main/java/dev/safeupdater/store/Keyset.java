package dev.safeupdater.store;

import java.util.List;
import java.util.function.ToLongFunction;

import dev.safeupdater.model.Page;

/**
 * Keyset paging newest first by id: fetch one row more than the page to know whether another page exists, and hand
 * out the last id as an opaque cursor ({@link Cursors}). Used by the notification deliveries; the older listings
 * (assets, decisions, scans) still page by hand until the keyset refactor of issue 10 moves them here.
 */
final class Keyset {
    private Keyset() {
    }

    /** Reads rows with ids below {@code beforeId}, at most {@code limit} of them, newest first. */
    @FunctionalInterface
    interface Rows<T> {
        List<T> read(long beforeId, int limit);
    }

    /** One page of {@code limit} rows after {@code cursor} (null: the first page) of listing {@code kind}. */
    static <T> Page<T> page(String kind, String cursor, int limit, Rows<T> rows, ToLongFunction<T> id) {
        long before = cursor == null ? Long.MAX_VALUE : Cursors.decode(kind, cursor);
        List<T> found = rows.read(before, limit + 1);
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<T> page = found.subList(0, limit);
        return new Page<>(page, Cursors.encode(kind, id.applyAsLong(page.getLast())));
    }
}
