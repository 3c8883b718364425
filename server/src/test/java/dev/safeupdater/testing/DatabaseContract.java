package dev.safeupdater.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The base of a test contract that runs once per database: a test class declares its cases in an abstract subclass
 * and two {@code @Nested} classes, {@code OnH2} and {@code OnPostgres}, that pass their {@link TestDatabase.Kind}.
 * The database is created before the subclass's own {@code @BeforeAll} and closed (dropped) after its
 * {@code @AfterAll}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DatabaseContract {
    protected final TestDatabase.Kind kind;
    protected TestDatabase db;

    protected DatabaseContract(TestDatabase.Kind kind) {
        this.kind = kind;
    }

    @BeforeAll
    final void openDatabase() {
        db = TestDatabase.create(kind);
    }

    @AfterAll
    final void closeDatabase() {
        db.close();
    }
}
