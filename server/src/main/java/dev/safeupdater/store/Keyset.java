package dev.safeupdater.store;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import dev.safeupdater.model.InvalidCursorException;
import dev.safeupdater.model.Page;

/**
 * Keyset paging by id, written once for every listing: fetch one row more than the page to know whether another
 * page exists, and hand out the last id as an opaque cursor ({@link Cursors}). A cursor of another listing, or a
 * mangled one, is an {@link InvalidCursorException}.
 */
final class Keyset {
    private Keyset() {
    }

    /** Reads at most {@code limit} rows past the id {@code boundary} (below it newest first, above it oldest first). */
    @FunctionalInterface
    interface Rows<T> {
        List<T> read(long boundary, int limit);
    }

    /** One page of {@code limit} rows after {@code cursor} (null: the first page), newest (highest id) first. */
    static <T> Page<T> newestFirst(String kind, String cursor, int limit, Rows<T> rows, ToLongFunction<T> id) {
        return page(kind, cursor, Long.MAX_VALUE, limit, rows, id);
    }

    /** One page of {@code limit} rows after {@code cursor} (null: the first page), oldest (lowest id) first. */
    static <T> Page<T> oldestFirst(String kind, String cursor, int limit, Rows<T> rows, ToLongFunction<T> id) {
        return page(kind, cursor, 0, limit, rows, id);
    }

    /** A position in a history ordered by time, then id: the key of the last row of a page. */
    record At(Instant time, long id) {
    }

    /** Reads at most {@code limit} rows before {@code before} (null: from the newest), newest first. */
    @FunctionalInterface
    interface TimedRows<T> {
        List<T> read(At before, int limit);
    }

    /**
     * One page of a history newest first by time, then id (the order auditors read in, and the one a time-range
     * filter can walk along an index on {@code (time, id)}): {@code limit} rows after {@code cursor}.
     */
    static <T> Page<T> newestFirstByTime(String kind, String cursor, int limit, TimedRows<T> rows,
                                         Function<T, At> key) {
        At before = cursor == null ? null : Cursors.decodeAt(kind, cursor);
        List<T> found = rows.read(before, limit + 1);
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<T> page = found.subList(0, limit);
        return new Page<>(page, Cursors.encodeAt(kind, key.apply(page.getLast())));
    }

    private static <T> Page<T> page(String kind, String cursor, long start, int limit, Rows<T> rows,
                                    ToLongFunction<T> id) {
        long boundary = cursor == null ? start : Cursors.decode(kind, cursor);
        List<T> found = rows.read(boundary, limit + 1);
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<T> page = found.subList(0, limit);
        return new Page<>(page, Cursors.encode(kind, id.applyAsLong(page.getLast())));
    }
}
