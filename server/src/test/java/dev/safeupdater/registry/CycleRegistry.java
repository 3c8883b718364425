package dev.safeupdater.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * For cycle tests outside this package: the real registry in htpasswd mode holding {@code demo/web} 1.0.0 1.0.1
 * 1.1.0 2.0.0 2.0.0-rc.1 latest (a day apart from {@link #T0}), and a stand-in registry that answers 500 to
 * everything.
 */
public final class CycleRegistry implements AutoCloseable {
    public static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
    public static final List<String> TAGS = List.of("1.0.0", "1.0.1", "1.1.0", "2.0.0", "2.0.0-rc.1", "latest");

    private final TestRegistry registry;
    private final FakeRegistry failing;
    private final FakeRegistry slow;

    private CycleRegistry(TestRegistry registry, FakeRegistry failing, FakeRegistry slow) {
        this.registry = registry;
        this.failing = failing;
        this.slow = slow;
    }

    public static CycleRegistry start() {
        TestRegistry r = TestRegistry.start(TestRegistry.Mode.HTPASSWD);
        Pusher p = r.pusher();
        for (int i = 0; i < TAGS.size(); i++) {
            p.pushImage("demo/web", TAGS.get(i), T0.plusSeconds(86400L * i), i % 2 == 1);
        }
        try {
            FakeRegistry f = new FakeRegistry();
            f.handler((ex, n) -> FakeRegistry.send(ex, 500,
                    "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"storage backend down\"}]}"));
            FakeRegistry slow = new FakeRegistry();
            slow.handler((ex, n) -> {
                try {
                    Thread.sleep(300_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                FakeRegistry.send(ex, 500, "{}");
            });
            return new CycleRegistry(r, f, slow);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code 127.0.0.1:PORT} of the real registry. */
    public String host() {
        return registry.host();
    }

    /** {@code 127.0.0.1:PORT} of the registry that answers 500. */
    public String failingHost() {
        return failing.host();
    }

    /** {@code 127.0.0.1:PORT} of a registry that answers nothing for five minutes (to catch a cycle mid-way). */
    public String slowHost() {
        return slow.host();
    }

    public String user() {
        return TestRegistry.USER;
    }

    public String password() {
        return TestRegistry.PASSWORD;
    }

    /** Pushes {@code demo/web:tag} created at {@code created}; returns its digest. */
    public String push(String tag, Instant created) {
        return registry.pusher().pushImage("demo/web", tag, created, false).digest();
    }

    @Override
    public void close() {
        failing.close();
        slow.close();
        registry.close();
    }
}
