package dev.safeupdater.inventory;

import java.util.Map;

/** The real Docker engine of {@link DockerFixture}, for tests outside this package (the cycle). */
public final class DockerEngine implements AutoCloseable {
    private final DockerFixture fixture = new DockerFixture();

    /** The engine's address ({@code unix:///…}). */
    public String host() {
        return fixture.host;
    }

    /** The label (key and value) every container of this fixture carries: a source filter that sees only them. */
    public Map<String, String> runLabel() {
        return Map.of(DockerFixture.RUN_LABEL, fixture.runId);
    }

    /** Imports a busybox root filesystem as {@code repository:tag} (no registry involved). */
    public void image(String repository, String tag) throws Exception {
        fixture.image(repository, tag);
    }

    /** Starts a container {@code name}-RUNID from {@code image}; returns its name. */
    public String run(String name, String image) {
        fixture.container(name, image, Map.of(), true);
        return fixture.name(name);
    }

    @Override
    public void close() {
        fixture.close();
    }
}
