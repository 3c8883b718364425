package dev.safeupdater.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Option;

/** Options every command takes; each maps to a settings key. */
public final class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    String config;

    @Option(names = "--db-url", paramLabel = "JDBC_URL",
            description = "Database (default: embedded H2 under ./data/). E.g. jdbc:postgresql://127.0.0.1:5432/db")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user.")
    String dbUser;

    @Option(names = "--db-password", paramLabel = "PASSWORD",
            description = "Database password (prefer SAFE_UPDATER_DB_PASSWORD: flags show in process lists).")
    String dbPassword;

    @Option(names = "--rules", paramLabel = "DIR", description = "Directory of *.drl rule files (default: rules).")
    String rules;

    @Option(names = "--policies", paramLabel = "DIR", description = "Directory of policy YAML (default: policies).")
    String policies;

    @Option(names = "--log-format", paramLabel = "json|text", description = "Log format (default: json).")
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "Log level (default: INFO).")
    String logLevel;

    /** The given options as settings keys. */
    public Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>();
        put(flags, "config", config);
        put(flags, "db.url", dbUrl);
        put(flags, "db.user", dbUser);
        put(flags, "db.password", dbPassword);
        put(flags, "rules.dir", rules);
        put(flags, "policies.dir", policies);
        put(flags, "log.format", logFormat);
        put(flags, "log.level", logLevel);
        return flags;
    }

    static void put(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }
}
