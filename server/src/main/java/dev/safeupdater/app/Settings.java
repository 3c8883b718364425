package dev.safeupdater.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.safeupdater.platform.FileErrors;

/**
 * Configuration, layered: defaults &lt; YAML file ({@code --config}) &lt; {@code .env} in the working directory &lt;
 * environment variables &lt; command-line flags. Every key has one environment name: {@code SAFE_UPDATER_} plus the
 * key in upper case with dots and dashes as underscores ({@code db.url} → {@code SAFE_UPDATER_DB_URL}).
 */
public final class Settings {
    /** A documented setting. {@code secret} values are never printed. */
    public record Key(String name, String defaultValue, boolean secret, String description) {
        public String env() {
            return "SAFE_UPDATER_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }
    }

    public static final List<Key> KEYS = List.of(
            new Key("host", "127.0.0.1", false, "Address the HTTP server binds."),
            new Key("port", "8080", false, "HTTP port; 0 picks a free port and prints it."),
            new Key("db.url", "jdbc:h2:file:./data/safe-updater", false,
                    "JDBC URL: jdbc:h2:… (embedded, default; serve and the CLI share a file database through H2's"
                    + " AUTO_SERVER on 127.0.0.1) or jdbc:postgresql://host:port/db."),
            new Key("db.user", "", false, "Database user (PostgreSQL: e.g. postgres)."),
            new Key("db.password", "", true, "Database password."),
            new Key("db.pool-size", "10", false, "Maximum database connections."),
            new Key("rules.dir", "rules", false, "Directory of *.drl rule files."),
            new Key("policies.dir", "policies", false, "Directory of policy YAML files."),
            new Key("log.format", "json", false, "json (one JSON object per line) or text."),
            new Key("log.level", "INFO", false, "Root log level: ERROR, WARN, INFO, DEBUG, TRACE."),
            // registry discovery (docs/registry.md)
            new Key("registry.config", "", false,
                    "YAML file with per-registry options (insecure, ca, rate, burst, maxConcurrent)."),
            new Key("registry.docker-config", "", false, "Docker config.json with registry credentials (default:"
                    + " $DOCKER_CONFIG/config.json, else ~/.docker/config.json, when present)."),
            new Key("registry.insecure", "", false, "Comma-separated registries reached over plain HTTP, e.g."
                    + " 127.0.0.1:5000."),
            new Key("registry.rate", "10", false, "Requests per second per registry (token bucket) unless the"
                    + " registries file says otherwise."),
            new Key("registry.burst", "10", false, "Token bucket size: requests allowed at once before pacing."),
            new Key("registry.max-concurrent", "4", false, "Most requests in flight to one registry."),
            new Key("registry.timeout-seconds", "30", false, "Connect and response timeout of one request."),
            new Key("registry.retries", "3", false, "Retries after a 429, 5xx, timeout or network error."),
            new Key("registry.cache-ttl-seconds", "600", false, "How long tag lists and tag digests are reused."),
            new Key("registry.cache-size", "2000", false, "Repositories whose tag lists are cached."),
            new Key("registry.platform", "linux/amd64", false, "Platform whose image config gives the release time."),
            new Key("registry.max-tags", "100000", false, "Repositories with more tags are refused, not truncated."),
            // inventory (docs/inventory.md)
            new Key("inventory.file", "", false,
                    "YAML file listing the inventory sources (Kubernetes, Docker, Helm, static); empty: none."),
            new Key("inventory.scan-interval", "0", false,
                    "serve: scan every source at start and then this often (e.g. 15m, 1h); 0: only on request."),
            // the cycle (docs/cycle.md)
            new Key("cycle.interval", "0", false, "serve: run a cycle (scan, discover, propose, decide, plan) this"
                    + " often, e.g. 15m; 0: only on request (POST /api/v1/cycles, safe-updater run --once)."),
            // policy engine
            new Key("policy.require-tests", "false", false,
                    "true: a rule and policy set is activated only when its owner tests pass."),
            new Key("policy.tests-dir", "", false, "Directory of owner test cases (default: <policies.dir>/tests)."),
            new Key("policy.watch", "true", false, "Reload rules and policies when their files change (serve)."),
            new Key("policy.watch-debounce-ms", "500", false, "Quiet period after a file change before reloading."),
            // notifications (docs/notifications.md)
            new Key("notifications.file", "", false,
                    "YAML file of webhook receivers and which events each hears (globally, per scope); empty: none."),
            new Key("notifications.max-attempts", "10", false,
                    "Attempts per webhook delivery (the first included) before it is marked FAILED."),
            new Key("notifications.backoff-ms", "10000", false,
                    "Delay before the first retry of a delivery; doubled after each failed attempt, at most 1 h."),
            new Key("notifications.timeout-ms", "10000", false,
                    "Time one webhook attempt may take (connect, send, answer)."),
            new Key("notifications.parallel", "4", false, "Webhook deliveries sent at the same time."),
            // applying updates (docs/rollout.md)
            new Key("apply.enabled", "false", false, "true: every APPROVE decision of an enforce-mode scope becomes"
                    + " an update run that serve applies; false: decide only, change nothing."),
            new Key("apply.max-concurrent", "10", false, "Update runs worked on at once, across all replicas."),
            new Key("apply.max-per-namespace", "2", false, "Update runs at once in one namespace."),
            new Key("apply.lease", "60s", false, "How long a replica's claim on a run holds without renewal (renewed"
                    + " every third of it); an expired run is taken over."),
            new Key("apply.poll-interval", "2s", false, "How often due runs are claimed and expired leases taken over."),
            new Key("apply.pull-timeout", "5m", false, "Docker: how long pulling the new image may take."),
            new Key("verify.stable-for", "30s", false, "Docker, without a HEALTHCHECK: how long the new container must"
                    + " run without a restart to count as healthy."),
            new Key("verify.timeout", "5m", false, "How long health verification of an update may take."),
            // security (README, Authentication)
            new Key("auth.tokens-file", "", false, "YAML file of API tokens ({name, role, sha256}); re-read when it"
                    + " changes. Empty: no tokens, the server serves loopback only."),
            new Key("auth.disabled", "false", false, "true: serve a non-loopback host without tokens (anyone who"
                    + " reaches the port may do everything; a warning is logged at every start)."),
            new Key("metrics.require-token", "false", false, "true: /observe/metrics needs a token (any role)"
                    + " when tokens are configured."),
            new Key("http.read-timeout-seconds", "30", false,
                    "A connection that sends nothing for this long while a request is read is closed."),
            // approvals (docs/audit.md)
            new Key("approvals.expiry-interval-ms", "60000", false,
                    "serve: how often votes past their scope's approval deadline are expired (and announced)."));

    private final Map<String, String> values;
    private final Path workDir;

    private Settings(Map<String, String> values, Path workDir) {
        this.values = values;
        this.workDir = workDir;
    }

    /**
     * Loads settings. {@code flags} may hold {@code config} (the YAML file) besides setting keys; {@code workDir} is
     * where {@code .env} is looked for.
     */
    public static Settings load(Map<String, String> flags, Map<String, String> env, Path workDir) {
        Map<String, String> v = new LinkedHashMap<>();
        for (Key k : KEYS) {
            v.put(k.name(), k.defaultValue());
        }
        String configFile = flags.getOrDefault("config", env.get("SAFE_UPDATER_CONFIG"));
        if (configFile != null) {
            v.putAll(readYaml(workDir.resolve(configFile)));
        }
        Path dotEnv = workDir.resolve(".env");
        if (Files.isRegularFile(dotEnv)) {
            v.putAll(readDotEnv(dotEnv));
        }
        for (Key k : KEYS) {
            String value = env.get(k.env());
            if (value != null) {
                v.put(k.name(), value);
            }
        }
        flags.forEach((key, value) -> {
            if (!key.equals("config")) {
                key(key);
                v.put(key, value);
            }
        });
        Settings s = new Settings(v, workDir);
        s.validate();
        return s;
    }

    public String get(String key) {
        key(key);
        return values.get(key);
    }

    public int getInt(String key) {
        return Integer.parseInt(get(key));
    }

    public String host() {
        return get("host");
    }

    public int port() {
        return getInt("port");
    }

    /** The rules directory; a relative setting is taken from the working directory. */
    public Path rulesDir() {
        return workDir.resolve(get("rules.dir"));
    }

    /** The policies directory; a relative setting is taken from the working directory. */
    public Path policiesDir() {
        return workDir.resolve(get("policies.dir"));
    }

    /** The notifications file ({@code notifications.file}) taken from the working directory; null when not set. */
    public Path notificationsFile() {
        String f = get("notifications.file");
        return f.isBlank() ? null : workDir.resolve(f);
    }

    /** A duration setting such as {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}. */
    public java.time.Duration duration(String key) {
        String v = get(key).strip();
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a duration such as 500ms, 30s, 5m or 1h, not \"" + v + "\"");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            default -> java.time.Duration.ofHours(n);
        };
    }

    /** The API tokens file ({@code auth.tokens-file}) taken from the working directory; null when not set. */
    public Path tokensFile() {
        String f = get("auth.tokens-file");
        return f.isBlank() ? null : workDir.resolve(f);
    }

    /** The working directory relative settings are taken from. */
    public Path workDir() {
        return workDir;
    }

    /** A true/false setting. */
    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(get(key));
    }

    /** The settings with secrets masked, for printing. */
    public Map<String, String> display() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key k : KEYS) {
            String value = values.get(k.name());
            out.put(k.name(), k.secret() && value != null && !value.isEmpty() ? "***" : value);
        }
        return out;
    }

    private void validate() {
        List<String> problems = new ArrayList<>();
        checkInt(problems, "port", 0, 65535);
        checkInt(problems, "db.pool-size", 1, 500);
        checkInt(problems, "registry.rate", 1, 100_000);
        checkInt(problems, "registry.burst", 1, 100_000);
        checkInt(problems, "registry.max-concurrent", 1, 1000);
        checkInt(problems, "registry.timeout-seconds", 1, 3600);
        checkInt(problems, "registry.retries", 0, 20);
        checkInt(problems, "registry.cache-ttl-seconds", 0, 30 * 86400);
        checkInt(problems, "registry.cache-size", 1, 1_000_000);
        checkInt(problems, "registry.max-tags", 1, 10_000_000);
        checkInt(problems, "policy.watch-debounce-ms", 10, 60_000);
        checkInt(problems, "notifications.max-attempts", 1, 100);
        checkInt(problems, "notifications.backoff-ms", 10, 3_600_000);
        checkInt(problems, "notifications.timeout-ms", 100, 300_000);
        checkInt(problems, "notifications.parallel", 1, 64);
        checkInt(problems, "apply.max-concurrent", 1, 1000);
        checkInt(problems, "apply.max-per-namespace", 1, 1000);
        for (String key : List.of("apply.lease", "apply.poll-interval", "apply.pull-timeout", "verify.stable-for",
                "verify.timeout")) {
            try {
                if (!duration(key).isPositive()) {
                    problems.add(key + " must be positive");
                }
            } catch (IllegalArgumentException e) {
                problems.add(key + ": " + e.getMessage());
            }
        }
        checkInt(problems, "http.read-timeout-seconds", 1, 3600);
        for (String key : List.of("policy.require-tests", "policy.watch", "apply.enabled", "auth.disabled",
                "metrics.require-token")) {
            String v = values.get(key).strip().toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                problems.add(key + " must be true or false, not \"" + values.get(key) + "\"");
            }
            values.put(key, v);
        }
        String format = values.get("log.format");
        if (!format.equals("json") && !format.equals("text")) {
            problems.add("log.format must be json or text, not \"" + format + "\"");
        }
        if (!List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(values.get("log.level").toUpperCase(Locale.ROOT))) {
            problems.add("log.level must be one of ERROR, WARN, INFO, DEBUG, TRACE");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    private void checkInt(List<String> problems, String key, int min, int max) {
        try {
            int n = Integer.parseInt(values.get(key).strip());
            if (n < min || n > max) {
                problems.add(key + " must be between " + min + " and " + max);
            }
            values.put(key, Integer.toString(n));
        } catch (NumberFormatException e) {
            problems.add(key + " must be a number, not \"" + values.get(key) + "\"");
        }
    }

    private static Key key(String name) {
        for (Key k : KEYS) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown setting \"" + name + "\"");
    }

    private static Map<String, String> readYaml(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (root != null && !root.isMissingNode() && !root.isNull()) {
            if (!root.isObject()) {
                throw new IllegalArgumentException(file + ": the configuration must be a YAML mapping");
            }
            flatten("", root, out, file);
        }
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
        node.properties().forEach(e -> {
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                flatten(name, e.getValue(), out, file);
            } else {
                try {
                    key(name);
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(file + ": unknown setting \"" + name + "\"");
                }
                out.put(name, e.getValue().isNull() ? "" : e.getValue().asText());
            }
        });
    }

    private static Map<String, String> readDotEnv(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.cannotRead("environment file", file, e));
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected NAME=VALUE");
            }
            String name = line.substring(0, eq).strip();
            String value = unquote(line.substring(eq + 1).strip());
            if (!name.startsWith("SAFE_UPDATER_") || name.equals("SAFE_UPDATER_CONFIG")) {
                continue; // other tools' variables may share the file
            }
            int lineNo = i + 1;
            Key key = KEYS.stream().filter(k -> k.env().equals(name)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException(file + ":" + lineNo + ": unknown setting " + name));
            out.put(key.name(), value);
        }
        return out;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'")))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
