package dev.safeupdater.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;

/**
 * The database: a connection pool, Jdbi over it, and the Flyway migrations packaged with the application. PostgreSQL
 * and H2 (in PostgreSQL mode) run the same SQL; the one difference, the JSON column type, is a Flyway placeholder
 * and a Jdbi attribute ({@code <json>}) named here.
 */
public final class Database implements AutoCloseable {
    /**
     * Settings H2 needs to behave like PostgreSQL, to keep a commit when the process is killed right after it
     * (H2 otherwise writes committed changes up to a second later: a kill -9 lost them), and to compress what it
     * stores (LZF: the benchmark's first cycle wrote 43 MiB instead of 129 and left a 45 MiB file instead of 132, in
     * no more time; docs/cycle.md#cost); appended to H2 URLs that do not set them.
     */
    private static final Map<String, String> H2_SETTINGS = Map.of(
            "MODE", "PostgreSQL",
            "DATABASE_TO_LOWER", "TRUE",
            "DEFAULT_NULL_ORDERING", "HIGH",
            "WRITE_DELAY", "0",
            "COMPRESS", "TRUE");

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final boolean postgres;
    private final String url;
    private volatile int migrationsApplied;

    private Database(HikariDataSource dataSource, boolean postgres, String url) {
        this.dataSource = dataSource;
        this.postgres = postgres;
        this.url = url;
        this.jdbi = Jdbi.create(dataSource);
        jdbi.define("json", jsonType());
    }

    /** Opens a pool to {@code url}. Nothing is migrated until {@link #migrate()}. */
    public static Database open(String url, String user, String password, int poolSize) {
        boolean postgres = url.startsWith("jdbc:postgresql:");
        if (!postgres && !url.startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException("unsupported database URL (use jdbc:postgresql: or jdbc:h2:): "
                    + redact(url));
        }
        String effective = postgres ? url : withH2Settings(url);
        if (!postgres && sharedFile(effective)) {
            // the embedded file is shared between `serve` and the CLI: the first process serves it to the others over
            // a TCP port on the loopback address only (H2's AUTO_SERVER), so neither waits for the file lock
            effective = effective + ";AUTO_SERVER=TRUE";
            if (System.getProperty("h2.bindAddress") == null) {
                System.setProperty("h2.bindAddress", "127.0.0.1");
            }
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(effective);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("safe-updater");
        config.setConnectionTimeout(5_000);
        config.setInitializationFailTimeout(5_000);
        if (postgres && !effective.contains("reWriteBatchedInserts")) {
            // the driver sends a batch of INSERTs as multi-row INSERTs (one execution per 128 rows instead of one
            // per row): what a cycle's thousands of plan rows and remembered decisions need
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
        }
        return new Database(new HikariDataSource(config), postgres, effective);
    }

    /** Applies pending migrations; returns how many were applied. */
    public int migrate() {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations(locations())
                .placeholders(Map.of("json_type", jsonType()))
                .load()
                .migrate();
        migrationsApplied = result.migrationsExecuted;
        return migrationsApplied;
    }

    /**
     * Where the migrations are: {@code migrations/} for both databases, plus {@code migrations/postgresql/} on
     * PostgreSQL (roles, grants and append-only triggers that H2 cannot express) or {@code migrations/h2/} on H2
     * (storage settings that would be wrong on PostgreSQL).
     */
    private String[] locations() {
        return postgres ? new String[] {"classpath:db/migration", "classpath:db/postgresql"}
                : new String[] {"classpath:db/migration", "classpath:db/h2"};
    }

    /** How many migrations the last {@link #migrate()} applied. */
    public int lastMigrationCount() {
        return migrationsApplied;
    }

    /** True when the database answers a trivial query within two seconds. */
    public boolean ping() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public boolean isPostgres() {
        return postgres;
    }

    /** The JDBC URL with any password parameter removed, safe to print. */
    public String displayUrl() {
        return redact(url);
    }

    private String jsonType() {
        return postgres ? "JSONB" : "CHARACTER VARYING";
    }

    private static String withH2Settings(String url) {
        StringBuilder sb = new StringBuilder(url);
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        H2_SETTINGS.forEach((k, v) -> {
            if (!upper.contains(";" + k + "=")) {
                sb.append(';').append(k).append('=').append(v);
            }
        });
        return sb.toString();
    }

    /**
     * True for an embedded H2 file database ({@code jdbc:h2:file:…}, {@code jdbc:h2:./…}, {@code jdbc:h2:~/…}) that
     * does not choose its own sharing mode: in-memory and {@code tcp:}/{@code ssl:} server URLs are left alone, and
     * so are URLs that set {@code AUTO_SERVER} or {@code FILE_LOCK} themselves.
     */
    static boolean sharedFile(String url) {
        String rest = url.substring("jdbc:h2:".length());
        String lower = rest.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("mem:") || lower.startsWith("tcp:") || lower.startsWith("ssl:")
                || lower.startsWith("zip:") || lower.contains(";auto_server=") || lower.contains(";file_lock=")) {
            return false;
        }
        return true;
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
