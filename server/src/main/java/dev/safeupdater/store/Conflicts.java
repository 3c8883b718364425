package dev.safeupdater.store;

import java.sql.SQLException;
import java.util.function.Supplier;

import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Retry-on-duplicate-key, written once: a transaction that reads, then inserts what it did not find, loses the race
 * when another writer inserts the same unique key in between. Running it once more sees that row and takes the
 * update path instead.
 */
final class Conflicts {
    private static final String UNIQUE_VIOLATION = "23505";

    private Conflicts() {
    }

    /** Runs {@code attempt}; when it fails on a unique key, runs it once more. */
    static <T> T retryOnDuplicateKey(Supplier<T> attempt) {
        try {
            return attempt.get();
        } catch (UnableToExecuteStatementException e) {
            if (isUniqueViolation(e)) {
                return attempt.get();
            }
            throw e;
        }
    }

    /** Whether {@code e} (or a cause) is a unique-key violation (SQLSTATE 23505 on PostgreSQL and H2). */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
