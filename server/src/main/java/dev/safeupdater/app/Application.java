package dev.safeupdater.app;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import dev.safeupdater.api.ApiRouting;
import dev.safeupdater.execution.AssetService;
import dev.safeupdater.execution.Candidates;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.execution.PolicyService;
import dev.safeupdater.execution.Services;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.policy.RuleSetException;
import dev.safeupdater.store.ApprovalStore;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.HistoryStore;
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

    /** What to do about the rule and policy set while building the services. */
    public enum PolicyStartup {
        /** Activate it; refuse to start when it is bad (one-shot commands, tests). */
        REQUIRE,
        /** Try to activate it; a bad set is logged and the server starts not ready until a good one arrives. */
        TRY,
        /** Do not activate anything (the policy check/test commands build sets themselves). */
        SKIP
    }

    /**
     * Builds the services: activates the rule and policy set (refusing to start on a bad one) and, when asked, opens
     * and migrates the database.
     */
    public static Services services(Settings settings, boolean withDatabase, Clock clock) {
        return services(settings, withDatabase, clock, PolicyStartup.REQUIRE);
    }

    /** Builds the services, treating the rule and policy set as {@code startup} says. */
    public static Services services(Settings settings, boolean withDatabase, Clock clock, PolicyStartup startup) {
        String testsDir = settings.get("policy.testsDir");
        PolicySources sources = new PolicySources(settings.rulesDir(), settings.policiesDir(),
                testsDir.isBlank() ? null : Path.of(testsDir), settings.getBoolean("policy.requireTests"));
        PolicyEngine policy = new PolicyEngine(clock, sources, new Candidates());
        PolicyService policyAdmin = new PolicyService(policy);
        if (startup != PolicyStartup.SKIP) {
            try {
                policyAdmin.reload("startup");
            } catch (RuleSetException e) {
                if (startup == PolicyStartup.REQUIRE) {
                    throw new StartupException("rule and policy set (" + settings.rulesDir() + ", "
                            + settings.policiesDir() + ") refused:\n" + e.getMessage());
                }
                // TRY: logged by reload; readiness stays DOWN until a good set is activated
            }
        }
        if (!withDatabase) {
            return new Services(policy, new DecisionService(policy, null, null, clock), null, null, policyAdmin);
        }
        Database db = openDatabase(settings);
        AssetStore assets = new AssetStore(db, clock);
        DecisionStore decisions = new DecisionStore(db);
        return new Services(policy, new DecisionService(policy, assets, decisions, new HistoryStore(db),
                new ApprovalStore(db, clock), clock), new AssetService(assets), db, policyAdmin);
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
        ObserveFeature observe = ObserveFeature.builder()
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder()
                        .details(true)
                        .useSystemServices(false)
                        .addCheck(() -> HealthCheckResponse.builder()
                                .status(services.database() != null && services.database().ping())
                                .build(), HealthCheckType.READINESS, "database")
                        .addCheck(() -> {
                            var active = services.policy().snapshot();
                            var b = HealthCheckResponse.builder().status(active.isPresent());
                            active.ifPresent(s -> b.detail("revision", s.rules().revision())
                                    .detail("policyRevision", s.policies().revision()));
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
        if (settings.getBoolean("policy.watch") && services.policyAdmin() != null) {
            try {
                services.policyAdmin().watch(Duration.ofMillis(settings.getInt("policy.watchDebounceMs")));
            } catch (IOException e) {
                server.stop();
                throw new StartupException("cannot watch the rules and policies directories: " + e.getMessage());
            }
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
        if (services.policyAdmin() != null) {
            services.policyAdmin().close();
        }
        server.stop();
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
