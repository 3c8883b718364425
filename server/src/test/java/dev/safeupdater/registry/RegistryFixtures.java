package dev.safeupdater.registry;

import java.time.Instant;
import java.util.List;

/** A registry with a small, known set of images, for tests outside this package (services, API, CLI). */
public final class RegistryFixtures implements AutoCloseable {
    public static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

    private final TestRegistry registry;

    private RegistryFixtures(TestRegistry registry) {
        this.registry = registry;
    }

    /**
     * An open registry holding {@code shop/web} (1.25.3, 1.25.4, 1.26.0, 1.25.4-alpine, 2.0.0-rc.1, latest: a
     * day apart from T0) and {@code shop/db} (16.1, 16.2 as a manifest list).
     */
    public static RegistryFixtures start() {
        TestRegistry r = TestRegistry.start(TestRegistry.Mode.OPEN);
        Pusher p = r.pusher();
        List<String> web = List.of("1.25.3", "1.25.4", "1.26.0", "1.25.4-alpine", "2.0.0-rc.1", "latest");
        for (int i = 0; i < web.size(); i++) {
            p.pushImage("shop/web", web.get(i), T0.plusSeconds(86400L * i), i % 2 == 1);
        }
        p.pushImage("shop/db", "16.1", T0, false);
        p.pushMultiArch("shop/db", "16.2", T0.plusSeconds(3600), true, List.of("amd64", "arm64"));
        return new RegistryFixtures(r);
    }

    /** {@code 127.0.0.1:PORT}. */
    public String host() {
        return registry.host();
    }

    /** Re-tags {@code latest} of shop/web to a new image, so its digest moves. */
    public void moveLatest() {
        registry.pusher().pushImage("shop/web", "latest", T0.plusSeconds(86400L * 30), false);
    }

    @Override
    public void close() {
        registry.close();
    }
}
