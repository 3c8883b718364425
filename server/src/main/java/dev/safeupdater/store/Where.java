package dev.safeupdater.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The WHERE clause of a filtered listing, built once per query: each condition is added only when its value is
 * given, with its value bound by name. Keeps the SQL text and the bindings of a filter in one place.
 */
final class Where {
    private final List<String> conditions = new ArrayList<>();
    private final Map<String, Object> values = new LinkedHashMap<>();

    /** Adds {@code condition} (which names {@code :name}) when {@code value} is not null. */
    Where when(Object value, String condition, String name) {
        if (value != null) {
            conditions.add(condition);
            values.put(name, value instanceof Instant i ? Times.bind(i) : value);
        }
        return this;
    }

    /** {@code column = :name} when {@code value} is not null. */
    Where eq(String column, String name, Object value) {
        return when(value, column + " = :" + name, name);
    }

    /**
     * Rows before {@code at} in the order (time, id) descending, when {@code at} is not null: a row-value comparison
     * PostgreSQL and H2 answer from an index on {@code (time, id)}.
     */
    Where before(String timeColumn, String idColumn, Keyset.At at) {
        if (at != null) {
            conditions.add("(" + timeColumn + ", " + idColumn + ") < (:beforeTime, :beforeId)");
            values.put("beforeTime", Times.bind(at.time()));
            values.put("beforeId", at.id());
        }
        return this;
    }

    /** A condition that always applies. */
    Where always(String condition, String name, Object value) {
        conditions.add(condition);
        values.put(name, value);
        return this;
    }

    /** {@code " WHERE a AND b"}, or empty without conditions. */
    String sql() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    <S extends SqlStatement<S>> S bind(S statement) {
        values.forEach(statement::bind);
        return statement;
    }
}
