package dev.safeupdater.store;

import java.util.function.Consumer;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Reading a whole listing in constant memory, written once for every export: the driver fetches {@value #FETCH_SIZE}
 * rows at a time (PostgreSQL uses a cursor only inside a transaction, so callers run this in one) and each row is
 * handed on as it is mapped, never collected.
 */
final class Streams {
    static final int FETCH_SIZE = 1000;

    private Streams() {
    }

    static <T> void each(Query query, RowMapper<T> mapper, Consumer<T> sink) {
        query.setFetchSize(FETCH_SIZE).map(mapper).useStream(rows -> rows.forEach(sink));
    }
}
