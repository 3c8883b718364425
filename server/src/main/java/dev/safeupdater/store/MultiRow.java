package dev.safeupdater.store;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Multi-row INSERTs ({@code VALUES (…), (…), …}) from the one-row tuple of named parameters: row {@code i}'s
 * parameter {@code :name} becomes {@code :name_i}. One statement for many rows is what makes bulk appends fast on
 * PostgreSQL, where a JDBC batch that returns generated keys is executed row by row.
 */
final class MultiRow {

    private MultiRow() {
    }

    /** Rows per multi-row INSERT: a few thousand parameters at most, well under every driver's limit. */
    static final int ROWS_PER_INSERT = 100;

    /**
     * Inserts {@code rows} with {@code insert} (a one-row {@code INSERT … VALUES (…)} with named parameters),
     * {@value #ROWS_PER_INSERT} rows per statement, each row's parameters bound by {@code bind}; returns the new ids
     * ({@code id} column) in the rows' order.
     */
    static <T> java.util.List<Long> insert(org.jdbi.v3.core.Handle handle, String insert, java.util.List<T> rows,
                                           BiConsumer<BiConsumer<String, Object>, T> bind, String what) {
        java.util.List<Long> ids = new java.util.ArrayList<>(rows.size());
        chunks(handle, insert, rows, bind, (statement, n) -> ids.addAll(ids(statement
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).list(), n, what)));
        return ids;
    }

    /** As {@link #insert}, for a table whose rows need no generated id back (e.g. keyed by their asset). */
    static <T> void append(org.jdbi.v3.core.Handle handle, String insert, java.util.List<T> rows,
                           BiConsumer<BiConsumer<String, Object>, T> bind) {
        chunks(handle, insert, rows, bind, (statement, n) -> statement.execute());
    }

    /** The statements of {@link #insert} and {@link #append}, each bound and handed to {@code execute}. */
    private static <T> void chunks(org.jdbi.v3.core.Handle handle, String insert, java.util.List<T> rows,
                                   BiConsumer<BiConsumer<String, Object>, T> bind,
                                   java.util.function.ObjIntConsumer<org.jdbi.v3.core.statement.Update> execute) {
        int values = insert.indexOf(" VALUES ");
        String head = insert.substring(0, values) + " VALUES ";
        String tuple = insert.substring(values + " VALUES ".length());
        Chunks.forEach(rows, ROWS_PER_INSERT, chunk -> {
            org.jdbi.v3.core.statement.Update statement = handle.createUpdate(head + values(tuple, chunk.size()));
            for (int i = 0; i < chunk.size(); i++) {
                bind.accept(binder(statement, i), chunk.get(i));
            }
            execute.accept(statement, chunk.size());
        });
    }

    /**
     * {@code rows} copies of {@code tuple}, each with its row's parameter names, separated by commas. A parameter is
     * {@code :} followed by letters, digits and {@code _}; row {@code i}'s copy of {@code :name} is {@code :name_i}.
     * Scanned by hand: a regular expression here, run for every row of every chunk, was among the first cycle's
     * larger costs.
     */
    static String values(String tuple, int rows) {
        List<Integer> ends = new ArrayList<>(); // where each parameter name ends, in order
        for (int i = 0; i < tuple.length(); i++) {
            if (tuple.charAt(i) == ':' && i + 1 < tuple.length() && isWordChar(tuple.charAt(i + 1))) {
                int end = i + 1;
                while (end < tuple.length() && isWordChar(tuple.charAt(end))) {
                    end++;
                }
                ends.add(end);
                i = end - 1;
            }
        }
        StringBuilder sb = new StringBuilder((tuple.length() + 4 * ends.size() + 2) * rows);
        for (int r = 0; r < rows; r++) {
            if (r > 0) {
                sb.append(", ");
            }
            String suffix = "_" + r;
            int from = 0;
            for (int end : ends) {
                sb.append(tuple, from, end).append(suffix);
                from = end;
            }
            sb.append(tuple, from, tuple.length());
        }
        return sb.toString();
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    /** Binds row {@code i}'s parameters of {@code statement} by their one-row names. */
    static BiConsumer<String, Object> binder(SqlStatement<?> statement, int i) {
        String suffix = "_" + i;
        return (name, value) -> statement.bind(name + suffix, value);
    }

    /**
     * {@code got}, the ids a multi-row INSERT of {@code rows} rows returned, checked: one per row, ascending (identity
     * values are drawn row by row in VALUES order, so ascending ids are the rows' ids in that order).
     */
    static java.util.List<Long> ids(java.util.List<Long> got, int rows, String what) {
        if (got.size() != rows) {
            throw new IllegalStateException("the database returned " + got.size() + " ids for " + rows + " " + what);
        }
        for (int i = 1; i < got.size(); i++) {
            if (got.get(i) <= got.get(i - 1)) {
                throw new IllegalStateException("the database returned the ids of new " + what + " out of order");
            }
        }
        return got;
    }
}
