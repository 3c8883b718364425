package dev.safeupdater.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import dev.safeupdater.store.Database;

/**
 * A throw-away, migrated database for one test class: an in-memory H2 database, or a fresh schema in the local
 * PostgreSQL ({@code SAFE_UPDATER_TEST_PG_URL}, default {@code jdbc:postgresql://127.0.0.1:5432/test}) that is dropped
 * on close. bin/test starts PostgreSQL when it is down.
 */
public final class TestDatabase implements AutoCloseable {
    /** The two databases every store test runs on. */
    public enum Kind {
        H2, POSTGRES
    }

    private final Kind kind;
    private final Database database;
    private final String url;
    private final String user;
    private final String schema;

    private TestDatabase(Kind kind, Database database, String url, String user, String schema) {
        this.kind = kind;
        this.database = database;
        this.url = url;
        this.user = user;
        this.schema = schema;
    }

    public static TestDatabase create(Kind kind) {
        return kind == Kind.H2 ? h2() : postgres();
    }

    public static TestDatabase h2() {
        String url = "jdbc:h2:mem:t" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
        Database db = Database.open(url, "sa", "", 4);
        db.migrate();
        return new TestDatabase(Kind.H2, db, url, "sa", null);
    }

    public static TestDatabase postgres() {
        String base = pgUrl();
        String user = pgUser();
        String schema = "su_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(base, user, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + base + " is needed by this test (bin/test starts it): "
                    + e.getMessage(), e);
        }
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        Database db = Database.open(url, user, "", 4);
        db.migrate();
        return new TestDatabase(Kind.POSTGRES, db, url, user, schema);
    }

    public static String pgUrl() {
        return System.getenv().getOrDefault("SAFE_UPDATER_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    }

    public static String pgUser() {
        return System.getenv().getOrDefault("SAFE_UPDATER_TEST_PG_USER", "postgres");
    }

    public Kind kind() {
        return kind;
    }

    public Database database() {
        return database;
    }

    /** The JDBC URL of this database (for starting a server on it). */
    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    /** Counts the rows of a table. */
    public long count(String table) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
    }

    @Override
    public void close() {
        database.close();
        if (schema != null) {
            try (Connection c = DriverManager.getConnection(pgUrl(), user, "");
                 Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException("could not drop test schema " + schema, e);
            }
        }
    }
}
