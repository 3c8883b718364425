package dev.safeupdater.app;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.safeupdater.api.ApiRouting;
import dev.safeupdater.execution.AssetService;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.execution.ScanService;
import dev.safeupdater.execution.Services;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.RuleSet;
import dev.safeupdater.policy.RuleSetException;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.store.ScanStore;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the stages into services and serves them over HTTP. */
public final class Application implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    private final Services services;
    private final WebServer server;

    private Application(Services services, WebServer server) {
        this.services = services;
        this.server = server;
    }

    /**
     * Builds the services: activates the rule set (refusing to start on a bad one) and, when asked, opens and
     * migrates the database.
     */
    public static Services services(Settings settings, boolean withDatabase, Clock clock) {
        PolicyEngine policy = new PolicyEngine(clock);
        try {
            RuleSet set = policy.activate(settings.rulesDir());
            LOG.atInfo().addKeyValue("event", "rules_activated").addKeyValue("revision", set.revision())
                    .addKeyValue("files", set.files().size()).addKeyValue("rules", set.ruleNames().size())
                    .log("rule set {} active ({} rules)", set.revision(), set.ruleNames().size());
        } catch (RuleSetException e) {
            throw new StartupException("rule set in " + settings.rulesDir().toAbsolutePath() + " refused:\n"
                    + e.getMessage());
        }
        if (!withDatabase) {
            return new Services(policy, new DecisionService(policy, null, null, clock), null, null, null);
        }
        List<InventorySource> sources = inventorySources(settings);
        Database db = openDatabase(settings);
        AssetStore assets = new AssetStore(db, clock);
        DecisionStore decisions = new DecisionStore(db);
        ScanService scans = new ScanService(sources, new InventoryStore(db, clock), new ScanStore(db, clock), clock);
        return new Services(policy, new DecisionService(policy, assets, decisions, clock), new AssetService(assets), db,
                scans);
    }

    /** The sources of {@code inventory.file}; none when it is not set. */
    static List<InventorySource> inventorySources(Settings settings) {
        String file = settings.get("inventory.file");
        if (file == null || file.isBlank()) {
            return List.of();
        }
        try {
            return InventoryConfig.load(Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new StartupException("inventory: " + e.getMessage());
        }
    }

    /** {@code inventory.scan-interval}: zero for "only on request". */
    static Duration scanInterval(Settings settings) {
        String v = settings.get("inventory.scan-interval").strip();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        try {
            Duration d = InventoryConfig.parseDuration(v);
            if (d.isNegative() || (!d.isZero() && d.compareTo(Duration.ofSeconds(10)) < 0)) {
                throw new StartupException("inventory.scan-interval must be 0 or at least 10s, not \"" + v + "\"");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new StartupException("inventory.scan-interval: " + e.getMessage());
        }
    }

    /** Opens the configured database and applies pending migrations. */
    static Database openDatabase(Settings settings) {
        Database db;
        try {
            db = Database.open(settings.get("db.url"), settings.get("db.user"), settings.get("db.password"),
                    settings.getInt("db.pool-size"));
        } catch (RuntimeException e) {
            throw new StartupException("cannot open database: " + rootMessage(e));
        }
        try {
            int applied = db.migrate();
            LOG.atInfo().addKeyValue("event", "database_ready").addKeyValue("url", db.displayUrl())
                    .addKeyValue("migrations_applied", applied).log("database ready");
            return db;
        } catch (RuntimeException e) {
            db.close();
            throw new StartupException("cannot migrate database " + db.displayUrl() + ": " + rootMessage(e));
        }
    }

    /** Starts the HTTP server for {@code services}; the settings give host and port (0: any free port). */
    public static Application start(Settings settings, Services services) {
        Duration scanInterval = scanInterval(settings);
        ObserveFeature observe = ObserveFeature.builder()
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder()
                        .details(true)
                        .useSystemServices(false)
                        .addCheck(() -> HealthCheckResponse.builder()
                                .status(services.database() != null && services.database().ping())
                                .build(), HealthCheckType.READINESS, "database")
                        .addCheck(() -> {
                            var active = services.policy().active();
                            var b = HealthCheckResponse.builder().status(active.isPresent());
                            active.ifPresent(s -> b.detail("revision", s.revision()));
                            return b.build();
                        }, HealthCheckType.READINESS, "rules")
                        .build())
                .addObserver(MetricsObserver.create())
                .build();
        WebServer server = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                .shutdownHook(false)
                .addFeature(observe)
                .routing(r -> routing(r, services))
                .build()
                .start();
        if (services.scans() != null) {
            services.scans().startBackground(scanInterval);
        }
        return new Application(services, server);
    }

    /** The routing of the whole server; tests reuse it. */
    public static void routing(HttpRouting.Builder routing, Services services) {
        ApiRouting.register(routing, services);
    }

    public int port() {
        return server.port();
    }

    public Services services() {
        return services;
    }

    @Override
    public void close() {
        server.stop();
        if (services.scans() != null) {
            services.scans().close();
        }
        if (services.database() != null) {
            services.database().close();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** Starting failed for a reason the operator can fix. */
    public static final class StartupException extends RuntimeException {
        public StartupException(String message) {
            super(message);
        }
    }
}
