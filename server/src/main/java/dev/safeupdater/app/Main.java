package dev.safeupdater.app;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.safeupdater.cli.Launcher;
import dev.safeupdater.cli.SafeUpdaterCommand;
import dev.safeupdater.execution.Services;
import org.slf4j.LoggerFactory;

/** Entry point: {@code safe-updater <command>}. */
public final class Main implements Launcher {
    private final Map<String, String> baseFlags;
    private final Map<String, String> env;
    private final Path workDir;

    Main() {
        this(Map.of(), System.getenv(), Path.of("").toAbsolutePath());
    }

    private Main(Map<String, String> baseFlags, Map<String, String> env, Path workDir) {
        this.baseFlags = Map.copyOf(baseFlags);
        this.env = Map.copyOf(env);
        this.workDir = workDir;
    }

    /**
     * A launcher whose configuration comes from {@code env} and {@code workDir} (for {@code .env}) instead of the
     * process's, with {@code baseFlags} under the command's own flags. For embedding and tests.
     */
    public static Launcher launcher(Map<String, String> baseFlags, Map<String, String> env, Path workDir) {
        return new Main(baseFlags, env, workDir);
    }

    public static void main(String[] args) {
        int code = SafeUpdaterCommand.create(new Main()).execute(args);
        System.exit(code);
    }

    @Override
    public int serve(Map<String, String> flags, boolean exitWhenReady) throws LaunchException {
        Settings settings = settings(flags, false);
        Application app;
        try {
            app = Application.start(settings, Application.services(settings, true, Clock.systemUTC(),
                    Application.PolicyStartup.TRY));
        } catch (Application.StartupException e) {
            throw new LaunchException(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new LaunchException("cannot start the server on " + settings.host() + ":" + settings.port() + ": "
                    + e.getMessage(), e);
        }
        System.out.println("Safe Updater listening on http://" + settings.host() + ":" + app.port());
        System.out.flush();
        LoggerFactory.getLogger(Main.class).atInfo().addKeyValue("event", "server_started")
                .addKeyValue("port", app.port()).log("listening on {}:{}", settings.host(), app.port());
        // start-up (compiling the rules, migrating, loading classes) leaves most of the heap as garbage: collect it
        // once so an idle server gives the memory back (with the launcher's and the image's heap settings)
        java.lang.management.ManagementFactory.getMemoryMXBean().gc();
        if (exitWhenReady) {
            try (app) {
                return readiness(settings.host(), app.port());
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            var log = LoggerFactory.getLogger(Main.class);
            log.atInfo().addKeyValue("event", "server_stopping").log("stop requested (SIGTERM or SIGINT), stopping");
            app.close();
            log.atInfo().addKeyValue("event", "server_stopped").log("server stopped");
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Asks the running server's readiness endpoint over HTTP, prints the answer; 0 when ready. */
    private static int readiness(String host, int port) throws LaunchException {
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            var response = client.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://" + host + ":" + port + "/observe/health/ready")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            boolean ready = response.statusCode() == 200;
            System.out.println((ready ? "ready: " : "not ready: ") + response.body());
            return ready ? 0 : 1;
        } catch (java.io.IOException e) {
            throw new LaunchException("readiness check failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted", e);
        }
    }

    @Override
    public Services open(Map<String, String> flags, boolean database, boolean activatePolicy) throws LaunchException {
        Settings settings = settings(flags, true);
        try {
            return Application.services(settings, database, Clock.systemUTC(),
                    activatePolicy ? Application.PolicyStartup.REQUIRE : Application.PolicyStartup.SKIP);
        } catch (Application.StartupException e) {
            throw new LaunchException(e.getMessage(), e);
        }
    }

    @Override
    public int migrate(Map<String, String> flags) throws LaunchException {
        Settings settings = settings(flags, true);
        try (var db = Application.openDatabase(settings)) {
            return db.lastMigrationCount();
        } catch (Application.StartupException e) {
            throw new LaunchException(e.getMessage(), e);
        }
    }

    @Override
    public java.util.List<SettingView> settings(Map<String, String> flags) throws LaunchException {
        Map<String, String> shown;
        try {
            shown = Settings.load(withBase(flags), env, workDir).display();
        } catch (IllegalArgumentException e) {
            throw new LaunchException("configuration: " + e.getMessage(), e);
        }
        return Settings.KEYS.stream()
                .map(k -> new SettingView(k.name(), k.env(), shown.get(k.name()), k.description()))
                .toList();
    }

    private Map<String, String> withBase(Map<String, String> flags) {
        Map<String, String> all = new java.util.HashMap<>(baseFlags);
        all.putAll(flags);
        return all;
    }

    private Settings settings(Map<String, String> flags, boolean logsToStderr) throws LaunchException {
        Settings settings;
        Map<String, String> effective = withBase(flags);
        if (logsToStderr && !effective.containsKey("log.level") && env.get("SAFE_UPDATER_LOG_LEVEL") == null) {
            effective.put("log.level", "WARN"); // one-shot commands: their output is the result, not the log
        }
        try {
            settings = Settings.load(effective, env, workDir);
        } catch (IllegalArgumentException e) {
            throw new LaunchException("configuration: " + e.getMessage(), e);
        }
        Logging.configure(settings, logsToStderr);
        return settings;
    }
}
