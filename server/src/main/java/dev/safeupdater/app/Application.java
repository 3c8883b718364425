package dev.safeupdater.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.safeupdater.api.ApiRouting;
import dev.safeupdater.execution.ApplyOptions;
import dev.safeupdater.execution.Appliers;
import dev.safeupdater.api.Problems;
import dev.safeupdater.execution.AccessControl;
import dev.safeupdater.execution.ApprovalService;
import dev.safeupdater.execution.AssetService;
import dev.safeupdater.execution.AuditService;
import dev.safeupdater.execution.Candidates;
import dev.safeupdater.execution.CycleService;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.execution.NotificationService;
import dev.safeupdater.execution.PinService;
import dev.safeupdater.execution.PolicyService;
import dev.safeupdater.execution.Rollouts;
import dev.safeupdater.execution.RunExecutor;
import dev.safeupdater.execution.RunPlanner;
import dev.safeupdater.execution.ScanService;
import dev.safeupdater.execution.Services;
import dev.safeupdater.execution.InventoryFile;
import dev.safeupdater.execution.TagService;
import dev.safeupdater.version.ChangeClassifier;
import dev.safeupdater.execution.VersionService;
import dev.safeupdater.inventory.DockerSource;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.model.NotificationRoutes;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Platform;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryCredentials;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.registry.helm.HelmIndexClient;
import dev.safeupdater.policy.NotificationsParser;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.policy.RuleSetException;
import dev.safeupdater.store.AccessAuditStore;
import dev.safeupdater.store.ApprovalStore;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.CycleStore;
import dev.safeupdater.store.AuditEventStore;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.HistoryStore;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.store.NotificationStore;
import dev.safeupdater.inventory.KubernetesSource;
import dev.safeupdater.rollout.DockerApplier;
import dev.safeupdater.rollout.KubernetesAppliers;
import dev.safeupdater.store.PinStore;
import dev.safeupdater.store.RuleSetAuditStore;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.store.RunHistoryStore;
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
        Monitoring.registry(); // before the first meter: the registry's settings and the JVM meters
        RegistryOptions registryOptions = registryOptions(settings, System.getenv(), clock);
        InventoryFile inventoryFile = withDatabase ? inventoryFile(settings) : null;
        List<InventorySource> sources = inventoryFile == null ? List.of() : inventorySources(inventoryFile);
        // The database (pool + migrations) opens on another thread while the rules compile: both take ~0.5-1 s.
        CompletableFuture<Database> database = withDatabase
                ? CompletableFuture.supplyAsync(() -> openDatabase(settings), Thread::startVirtualThread)
                : CompletableFuture.completedFuture(null);
        if (startup != PolicyStartup.SKIP) {
            requireDirectory("rules.dir", settings.rulesDir(), settings);
            requireDirectory("policies.dir", settings.policiesDir(), settings);
        }
        String testsDir = settings.get("policy.tests-dir");
        PolicySources policySources = new PolicySources(settings.rulesDir(), settings.policiesDir(),
                testsDir.isBlank() ? null : Path.of(testsDir), settings.getBoolean("policy.require-tests"));
        PolicyEngine policy = new PolicyEngine(clock, policySources, new Candidates());
        PolicyService policyAdmin = new PolicyService(policy);
        if (startup != PolicyStartup.SKIP) {
            try {
                policyAdmin.reload("startup");
            } catch (RuleSetException e) {
                if (startup == PolicyStartup.REQUIRE) {
                    database.thenAccept(db -> {
                        if (db != null) {
                            db.close();
                        }
                    });
                    throw new StartupException("rule and policy set (" + settings.rulesDir() + ", "
                            + settings.policiesDir() + ") refused:\n" + e.getMessage());
                }
                // TRY: logged by reload; readiness stays DOWN until a good set is activated
            }
        }
        // the HTTP clients (TLS set-up) are built while the migrations may still be running
        Registry registry = new Registry(registryOptions);
        HelmIndexClient chartIndex = HelmIndexClient.create();
        Database db;
        try {
            db = database.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof StartupException se ? se : new StartupException(rootMessage(e));
        }
        if (db == null) {
            TagService tags = new TagService(registry, chartIndex, null, clock);
            return new Services(policy, new DecisionService(policy, null, null, clock), null, null,
                    new VersionService(tags), tags, null, policyAdmin, null, null, null, null, null);
        }
        // activations and refusals from here on (and the startup one, made while the database was migrating)
        policyAdmin.auditTo(new RuleSetAuditStore(db));
        AssetStore assets = new AssetStore(db, clock);
        DecisionStore decisions = new DecisionStore(db);
        TagService tags = new TagService(registry, chartIndex, new ImageTagStore(db), clock);
        ScanService scans = new ScanService(inventoryFile, sources, new InventoryStore(db, clock),
                new ScanStore(db, clock), clock);
        HistoryStore history = new HistoryStore(db);
        ApprovalStore votes = new ApprovalStore(db, clock);
        DecisionService decide = new DecisionService(policy, assets, decisions, history, votes, clock);
        ApprovalService approvals = new ApprovalService(votes, decisions, assets, history, policy, clock);
        NotificationService notifications = notifications(settings, db, policy, clock);
        decide.notifyTo(notifications);
        approvals.notifyTo(notifications);
        policyAdmin.notifyTo(notifications);
        policyAdmin.announceLastRefusal(); // a set refused at startup (TRY), before the notifier existed
        CycleService cycles = new CycleService(scans, tags, policy, new CycleStore(db), new HistoryStore(db), clock);
        cycles.notifyTo(notifications);
        Rollouts rollouts = rollouts(settings, db, sources, assets, policy, decide, clock);
        rollouts.executor().notifyTo(notifications); // failed runs and rollbacks are announced
        if (rollouts.planner().enabled()) {
            cycles.applyTo(rollouts.planner()::enqueueApproved); // each cycle's APPROVE decisions become update runs
        }
        AuditService audit = new AuditService(new RunHistoryStore(db), decisions, new AuditEventStore(db));
        return new Services(policy, decide, new AssetService(assets), db, new VersionService(tags), tags, scans,
                policyAdmin, notifications, cycles, rollouts, audit, approvals);
    }

    /**
     * Update runs: the planner (hooked to stored decisions), the executor over the appliers of the configured sources
     * (started by {@link #start} when {@code apply.enabled}), pins.
     */
    static Rollouts rollouts(Settings settings, Database db, List<InventorySource> sources, AssetStore assets,
                             PolicyEngine policy, DecisionService decide, Clock clock) {
        ApplyOptions options = applyOptions(settings);
        RunStore runs = new RunStore(db);
        RunPlanner planner = new RunPlanner(runs, assets, options.enabled(), clock);
        decide.planTo(planner);
        Appliers appliers = new Appliers();
        for (InventorySource source : sources) {
            if (source instanceof DockerSource docker) {
                appliers.register("docker", docker.engine(), new DockerApplier(docker.connection(),
                        settings.duration("verify.stable-for"), settings.duration("apply.pull-timeout"),
                        options.maxConcurrent() + 2));
            }
        }
        KubernetesAppliers.forClusters(KubernetesSource.connectionsByCluster(sources))
                .forEach((cluster, applier) -> appliers.register("kubernetes", cluster, applier));
        RunExecutor executor = new RunExecutor(runs, assets, appliers, policy, decide, options, clock);
        return new Rollouts(planner, executor, new PinService(new PinStore(db), clock));
    }

    /** The {@code apply.*} and {@code verify.timeout} settings. */
    static ApplyOptions applyOptions(Settings settings) {
        return new ApplyOptions(settings.getBoolean("apply.enabled"), settings.getInt("apply.max-concurrent"),
                settings.getInt("apply.max-per-namespace"), settings.duration("apply.lease"),
                settings.duration("apply.poll-interval"), settings.duration("verify.timeout"));
    }

    /** A missing rules or policies directory is a start-up error, not a server that never becomes ready. */
    private static void requireDirectory(String key, Path dir, Settings settings) {
        if (!Files.isDirectory(dir)) {
            throw new StartupException(key + ": no directory " + dir + (settings.get(key).startsWith("/") ? ""
                    : " (relative to the working directory " + settings.workDir() + ")")
                    + "; start from the directory that holds it or set " + key + " (env "
                    + Settings.KEYS.stream().filter(k -> k.name().equals(key)).findFirst().orElseThrow().env() + ")");
        }
    }

    /**
     * Who may call the API: the tokens of {@code auth.tokens-file}, or nobody but local callers. Refuses to expose
     * a non-loopback address without tokens unless {@code auth.disabled} says so (then warns, every start).
     */
    static AccessControl accessControl(Settings settings, Database db) {
        Path tokens = settings.tokensFile();
        boolean disabled = settings.getBoolean("auth.disabled");
        if (tokens != null && disabled) {
            throw new StartupException("auth.tokens-file and auth.disabled=true are both set: choose one");
        }
        if (tokens != null) {
            try {
                return AccessControl.fromFile(tokens, db == null ? null : new AccessAuditStore(db),
                        Clock.systemUTC());
            } catch (IllegalArgumentException e) {
                throw new StartupException("auth.tokens-file: " + e.getMessage());
            }
        }
        if (disabled) {
            LOG.atWarn().addKeyValue("event", "auth_disabled").addKeyValue("host", settings.host())
                    .log("authentication is disabled (auth.disabled=true): anyone who reaches {}:{} may read,"
                            + " approve, reload and scan", settings.host(), settings.port());
        } else if (!isLoopback(settings.host())) {
            throw new StartupException("host " + settings.host() + " is not a loopback address and no API tokens"
                    + " are configured: set auth.tokens-file (README, Authentication), or auth.disabled=true when"
                    + " something else guards the port");
        }
        return AccessControl.open();
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new StartupException("host " + host + " cannot be resolved");
        }
    }

    /**
     * The registry client's options from the settings: defaults per registry, the registries file, plain-HTTP
     * registries, and credentials from the Docker config ({@code registry.docker-config}, else
     * {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, when present).
     */
    static RegistryOptions registryOptions(Settings settings, Map<String, String> env, Clock clock) {
        try {
            RegistryOptions.Builder b = RegistryOptions.builder()
                    .clock(clock)
                    .defaults(new HostOptions(false, null, settings.getInt("registry.rate"),
                            settings.getInt("registry.burst"), settings.getInt("registry.max-concurrent")))
                    .timeout(Duration.ofSeconds(settings.getInt("registry.timeout-seconds")))
                    .retries(settings.getInt("registry.retries"))
                    .cache(Duration.ofSeconds(settings.getInt("registry.cache-ttl-seconds")),
                            settings.getInt("registry.cache-size"))
                    .platform(Platform.parse(settings.get("registry.platform")))
                    .maxTags(settings.getInt("registry.max-tags"));
            String file = settings.get("registry.config");
            if (!file.isBlank()) {
                b.hostsFile(Path.of(file));
            }
            Set<String> insecure = new LinkedHashSet<>();
            for (String h : settings.get("registry.insecure").split(",")) {
                if (!h.isBlank()) {
                    insecure.add(h.strip());
                }
            }
            b.insecure(insecure);
            String dockerConfig = settings.get("registry.docker-config");
            Path configPath = !dockerConfig.isBlank() ? Path.of(dockerConfig)
                    : env.get("DOCKER_CONFIG") != null ? Path.of(env.get("DOCKER_CONFIG"), "config.json")
                    : Path.of(System.getProperty("user.home"), ".docker", "config.json");
            if (!dockerConfig.isBlank() && !Files.isRegularFile(configPath)) {
                throw new IllegalArgumentException("registry.docker-config: no file " + configPath);
            }
            RegistryCredentials credentials = RegistryCredentials.fromFile(configPath);
            if (credentials.size() > 0) {
                LOG.atInfo().addKeyValue("event", "registry_credentials").addKeyValue("file", configPath.toString())
                        .addKeyValue("registries", credentials.toString())
                        .log("registry credentials for {} registries from {}", credentials.size(), configPath);
            }
            return b.credentials(credentials).build();
        } catch (IllegalArgumentException e) {
            throw new StartupException("registry configuration: " + e.getMessage());
        }
    }

    /** The sources of {@code inventory.file}; none when it is not set. */
    static List<InventorySource> inventorySources(Settings settings) {
        InventoryFile file = inventoryFile(settings);
        return file == null ? List.of() : inventorySources(file);
    }

    /**
     * {@code inventory.file}, read again at every scan (null when it is not set). The version stage says which tags
     * are mutable: the running digests of those are read from the pods.
     */
    static InventoryFile inventoryFile(Settings settings) {
        String file = settings.get("inventory.file");
        if (file == null || file.isBlank()) {
            return null;
        }
        return new InventoryFile(Path.of(file), p -> InventoryConfig.load(p,
                tag -> !ChangeClassifier.isExactVersion(tag)));
    }

    /** The sources the file names at startup; a bad file refuses to start. */
    private static List<InventorySource> inventorySources(InventoryFile file) {
        try {
            return file.load();
        } catch (IllegalArgumentException e) {
            throw new StartupException("inventory: " + e.getMessage());
        }
    }

    /**
     * The notifier: the routes of {@code notifications.file} (none when it is not set; a bad file refuses to start
     * with every problem as {@code file:line:column: message}) and the delivery knobs.
     */
    static NotificationService notifications(Settings settings, Database db, PolicyEngine policy, Clock clock) {
        Path file = settings.notificationsFile();
        NotificationRoutes routes = NotificationRoutes.NONE;
        if (file != null) {
            try {
                routes = NotificationsParser.load(file, System.getenv());
            } catch (RuleSetException e) {
                db.close();
                throw new StartupException("notifications file refused:\n" + e.getMessage());
            }
        }
        return new NotificationService(routes, new NotificationStore(db), new NotificationService.Options(
                settings.getInt("notifications.max-attempts"),
                Duration.ofMillis(settings.getInt("notifications.backoff-ms")),
                NotificationService.Options.DEFAULT_MAX_BACKOFF,
                Duration.ofMillis(settings.getInt("notifications.timeout-ms")),
                settings.getInt("notifications.parallel")), policy, clock);
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

    /** {@code cycle.interval}: zero for "only on request". */
    static Duration cycleInterval(Settings settings) {
        String v = settings.get("cycle.interval").strip();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        try {
            Duration d = InventoryConfig.parseDuration(v);
            if (d.isNegative() || (!d.isZero() && d.compareTo(Duration.ofSeconds(10)) < 0)) {
                throw new StartupException("cycle.interval must be 0 or at least 10s, not \"" + v + "\"");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new StartupException("cycle.interval: " + e.getMessage());
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
        Duration scanInterval;
        Duration cycleInterval;
        AccessControl access;
        try {
            scanInterval = scanInterval(settings);
            cycleInterval = cycleInterval(settings);
            access = accessControl(settings, services.database());
        } catch (StartupException e) {
            if (services.database() != null) {
                services.database().close();
            }
            throw e;
        }
        boolean metricsNeedToken = settings.getBoolean("metrics.require-token");
        Duration readTimeout = Duration.ofSeconds(settings.getInt("http.read-timeout-seconds"));
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
                .addObserver(MetricsObserver.builder()
                        .meterRegistry(Monitoring.registry())
                        .build())
                .build();
        WebServer server = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                // a response larger than one write (a page of history, an export) must not wait for the client's
                // delayed ACK (40 ms on a keep-alive connection) before its last segment goes out
                .connectionOptions(io.helidon.common.socket.SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownHook(false)
                .maxPayloadSize(dev.safeupdater.api.Json.MAX_BODY_BYTES)
                .directHandlers(Problems.directHandlers())
                .connectionOptions(o -> o.readTimeout(readTimeout))
                // connections that send nothing usable (not even a request line Helidon recognises) are closed too
                .idleConnectionTimeout(readTimeout)
                .idleConnectionPeriod(readTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? readTimeout
                        : Duration.ofSeconds(10))
                .addFeature(observe)
                .routing(r -> routing(r, services, access, metricsNeedToken))
                .build()
                .start();
        if (settings.getBoolean("policy.watch") && services.policyAdmin() != null) {
            try {
                services.policyAdmin().watch(Duration.ofMillis(settings.getInt("policy.watch-debounce-ms")));
            } catch (IOException e) {
                server.stop();
                throw new StartupException("cannot watch the rules and policies directories: " + e.getMessage());
            }
        }
        if (services.scans() != null) {
            services.scans().startBackground(scanInterval);
        }
        if (services.notifications() != null) {
            services.notifications().start();
        }
        if (services.rollouts() != null && services.rollouts().executor() != null) {
            if (services.rollouts().planner().enabled()) {
                services.rollouts().executor().start();
            } else {
                services.rollouts().executor().registerMetrics(); // the run metrics exist (at 0) either way
            }
        }
        if (services.cycles() != null) {
            services.cycles().startBackground(cycleInterval);
        }
        if (services.approvals() != null) {
            services.approvals().start(Duration.ofMillis(settings.getInt("approvals.expiry-interval-ms")));
        }
        return new Application(services, server);
    }

    /** The routing of the whole server; tests reuse it. */
    public static void routing(HttpRouting.Builder routing, Services services) {
        ApiRouting.register(routing, services);
    }

    /** The routing of the whole server with the API guarded by {@code access}. */
    public static void routing(HttpRouting.Builder routing, Services services, AccessControl access,
                               boolean metricsNeedToken) {
        ApiRouting.register(routing, services, access, metricsNeedToken);
    }

    public int port() {
        return server.port();
    }

    public Services services() {
        return services;
    }

    @Override
    public void close() {
        // the policy watcher and the update executor stop before the server, the rest after it
        if (services.policyAdmin() != null) {
            services.policyAdmin().close();
        }
        if (services.rollouts() != null && services.rollouts().executor() != null) {
            services.rollouts().executor().close();
        }
        server.stop();
        services.close();
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
