package dev.safeupdater.testing;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import dev.safeupdater.app.Application;
import dev.safeupdater.app.Settings;

/** The real server, started on a free 127.0.0.1 port over a test database, with the shipped rules by default. */
public final class TestServer implements AutoCloseable {
    private final Application app;
    private final Http http;

    private TestServer(Application app) {
        this.app = app;
        this.http = new Http(app.port());
    }

    public static TestServer start(TestDatabase db) {
        return start(db, Map.of());
    }

    /** {@code overrides} are settings keys (e.g. rules.dir) on top of the test defaults. */
    public static TestServer start(TestDatabase db, Map<String, String> overrides) {
        Map<String, String> flags = new HashMap<>();
        flags.put("port", "0");
        flags.put("db.url", db.url());
        flags.put("db.user", db.user());
        flags.put("rules.dir", TestPaths.rules().toString());
        flags.put("policies.dir", TestPaths.policies().toString());
        flags.putAll(overrides);
        Settings settings = Settings.load(flags, Map.of(), Path.of(System.getProperty("java.io.tmpdir")));
        return new TestServer(Application.start(settings, Application.services(settings, true, Clock.systemUTC())));
    }

    public Http http() {
        return http;
    }

    public int port() {
        return app.port();
    }

    public Application application() {
        return app;
    }

    @Override
    public void close() {
        app.close();
    }
}
