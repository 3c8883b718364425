package dev.safeupdater.rollout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.ContainerConfig;
import dev.safeupdater.platform.DockerConnection;

/**
 * Updates a Docker container by recreating it on the new image. Pre-flight pulls the new image (a failed pull
 * changes nothing). Apply reads the live container's full configuration from the engine (the store keeps no
 * environment values), stops the old container and renames it {@code <name>-su-old-<run>}, creates the new one with
 * the same name, environment, labels, mounts, network mode, ports, restart policy and healthcheck (settings equal to
 * the old image's defaults are left to the new image), plus the label {@code safe-updater.io/run=<run>}, and starts
 * it. The old container is removed after verification ({@link #finish}) and restored by {@link #rollback}.
 * Health: the image's HEALTHCHECK status where there is one, else running without a restart for {@code stableFor};
 * then, when the container has the label {@code safe-updater.io/health-url}, an HTTP GET answering 2xx.
 */
public final class DockerApplier implements Applier {
    public static final String RUN_LABEL = "safe-updater.io/run";
    public static final String HEALTH_URL_LABEL = "safe-updater.io/health-url";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(250);

    private final DockerClient docker;
    private final Duration stableFor;
    private final Duration pullTimeout;
    private final int stopTimeoutSeconds;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    public DockerApplier(DockerConnection connection, Duration stableFor, Duration pullTimeout, int maxConnections) {
        this(connection.open(maxConnections), stableFor, pullTimeout);
    }

    DockerApplier(DockerClient docker, Duration stableFor, Duration pullTimeout) {
        this.docker = docker;
        this.stableFor = stableFor;
        this.pullTimeout = pullTimeout;
        this.stopTimeoutSeconds = 10;
    }

    static String oldName(Change c) {
        return c.key().name() + "-su-old-" + c.runId();
    }

    @Override
    public void preflight(Change c) throws RolloutException {
        InspectContainerResponse live = inspect(c.key().name())
                .orElseThrow(() -> new RolloutException("no container named " + c.key().name() + " on the engine"));
        String runs = live.getConfig().getImage();
        if (!sameImage(runs, c.fromImage()) && !sameImage(runs, c.toImage())) {
            throw new RolloutException("container " + c.key().name() + " runs " + runs + ", not " + c.fromImage()
                    + ": it was changed since the decision");
        }
        pull(c.toImage());
    }

    private void pull(String image) throws RolloutException {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (image.contains("@") || colon < slash + 1) {
            throw new RolloutException("cannot pull " + image + ": a tag is needed");
        }
        String repository = image.substring(0, colon);
        String tag = image.substring(colon + 1);
        try {
            boolean done = docker.pullImageCmd(repository).withTag(tag).exec(new PullImageResultCallback())
                    .awaitCompletion(pullTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                throw new RolloutException("pulling " + image + " took longer than " + pullTimeout.toSeconds() + " s");
            }
            docker.inspectImageCmd(image).exec();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutException("pulling " + image + " was interrupted");
        } catch (RuntimeException e) {
            throw new RolloutException("pulling " + image + " failed: " + rootMessage(e), e);
        }
    }

    @Override
    public void apply(Change c) throws RolloutException {
        String name = c.key().name();
        try {
            InspectContainerResponse old = inspect(name)
                    .orElseThrow(() -> new RolloutException("no container named " + name + " on the engine"));
            if (String.valueOf(c.runId()).equals(labels(old.getConfig()).get(RUN_LABEL))) {
                return; // already this run's container
            }
            ContainerConfig oldImage = docker.inspectImageCmd(old.getImageId()).exec().getConfig();
            CreateContainerCmd create = recreate(old, oldImage, c);
            if (Boolean.TRUE.equals(old.getState().getRunning())) {
                try {
                    docker.stopContainerCmd(old.getId()).withTimeout(stopTimeoutSeconds).exec();
                } catch (NotModifiedException e) {
                    // stopped meanwhile
                }
            }
            docker.renameContainerCmd(old.getId()).withName(oldName(c)).exec();
            String id = create.exec().getId();
            docker.startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            throw new RolloutException("recreating container " + name + " on " + c.toImage() + " failed: "
                    + rootMessage(e), e);
        }
    }

    /** The create command of the new container: the old container's configuration on the new image. */
    private CreateContainerCmd recreate(InspectContainerResponse old, ContainerConfig oldImage, Change c) {
        ContainerConfig cfg = old.getConfig();
        CreateContainerCmd cmd = docker.createContainerCmd(c.toImage()).withName(c.key().name());
        List<String> imageEnv = oldImage == null || oldImage.getEnv() == null ? List.of()
                : List.of(oldImage.getEnv());
        List<String> env = new ArrayList<>();
        String[] liveEnv = cfg.getEnv();
        if (liveEnv != null) {
            for (String e : liveEnv) {
                if (!imageEnv.contains(e)) {
                    env.add(e); // set on the container; the image's own defaults come from the new image
                }
            }
        }
        cmd.withEnv(env);
        Map<String, String> imageLabels = oldImage == null || oldImage.getLabels() == null ? Map.of()
                : oldImage.getLabels();
        Map<String, String> labels = new LinkedHashMap<>();
        labels(cfg).forEach((k, v) -> {
            if (!v.equals(imageLabels.get(k)) && !k.equals(RUN_LABEL)) {
                labels.put(k, v);
            }
        });
        labels.put(RUN_LABEL, Long.toString(c.runId()));
        cmd.withLabels(labels);
        String[] command = cfg.getCmd();
        if (command != null && (oldImage == null || !same(command, oldImage.getCmd()))) {
            cmd.withCmd(command);
        }
        String[] entrypoint = cfg.getEntrypoint();
        if (entrypoint != null && (oldImage == null || !same(entrypoint, oldImage.getEntrypoint()))) {
            cmd.withEntrypoint(entrypoint);
        }
        var healthcheck = cfg.getHealthcheck();
        if (healthcheck != null && (oldImage == null || !same(healthcheck, oldImage.getHealthcheck()))) {
            cmd.withHealthcheck(healthcheck);
        }
        String workingDir = cfg.getWorkingDir();
        if (workingDir != null && !workingDir.isEmpty()
                && (oldImage == null || !workingDir.equals(oldImage.getWorkingDir()))) {
            cmd.withWorkingDir(workingDir);
        }
        String user = cfg.getUser();
        if (user != null && !user.isEmpty() && (oldImage == null || !user.equals(oldImage.getUser()))) {
            cmd.withUser(user);
        }
        var exposed = cfg.getExposedPorts();
        if (exposed != null && exposed.length > 0) {
            cmd.withExposedPorts(exposed);
        }
        if (cfg.getTty() != null) {
            cmd.withTty(cfg.getTty());
        }
        // mounts, network mode, port bindings, restart policy, init, resources: the host configuration as it is
        cmd.withHostConfig(old.getHostConfig());
        return cmd;
    }

    @Override
    public Landing landed(Change c) throws RolloutException {
        try {
            Optional<InspectContainerResponse> live = inspect(c.key().name());
            if (live.isPresent()) {
                if (String.valueOf(c.runId()).equals(labels(live.get().getConfig()).get(RUN_LABEL))) {
                    return Landing.APPLIED;
                }
                return sameImage(live.get().getConfig().getImage(), c.fromImage()) ? Landing.NOT_APPLIED
                        : Landing.CHANGED_ELSEWHERE;
            }
            // interrupted between renaming the old container and creating the new one
            return inspect(oldName(c)).isPresent() ? Landing.NOT_APPLIED : Landing.CHANGED_ELSEWHERE;
        } catch (RuntimeException e) {
            throw new RolloutException("cannot inspect container " + c.key().name() + ": " + rootMessage(e), e);
        }
    }

    @Override
    public Health verify(Change c, Duration timeout) throws RolloutException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<Health.Check> checks = new ArrayList<>();
        try {
            InspectContainerResponse first = inspect(c.key().name()).orElse(null);
            if (first == null || !String.valueOf(c.runId()).equals(labels(first.getConfig()).get(RUN_LABEL))) {
                checks.add(new Health.Check("container-running", false, "the new container " + c.key().name()
                        + " is not there"));
                return new Health(false, checks, Duration.ofNanos(System.nanoTime() - start));
            }
            String id = first.getId();
            if ("created".equals(first.getState().getStatus())) {
                // interrupted between creating and starting it (a crash): starting completes the same apply
                docker.startContainerCmd(id).exec();
                first = docker.inspectContainerCmd(id).exec();
            }
            int restarts = first.getRestartCount() == null ? 0 : first.getRestartCount();
            boolean hasHealthcheck = first.getState().getHealth() != null;
            Health.Check container = hasHealthcheck ? healthcheck(id, deadline) : stable(id, restarts, deadline);
            checks.add(container);
            String url = labels(first.getConfig()).get(HEALTH_URL_LABEL);
            if (container.passed() && url != null && !url.isBlank()) {
                checks.add(probe(url.strip(), deadline));
            }
        } catch (RuntimeException e) {
            throw new RolloutException("cannot verify container " + c.key().name() + ": " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutException("verification of " + c.key().name() + " was interrupted");
        }
        boolean healthy = checks.stream().allMatch(Health.Check::passed);
        return new Health(healthy, checks, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Waits for the engine's healthcheck verdict. */
    private Health.Check healthcheck(String id, long deadline) throws InterruptedException {
        while (true) {
            InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
            var state = r.getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                return new Health.Check("healthcheck", false, "container stopped (exit code "
                        + state.getExitCodeLong() + ")");
            }
            String status = state.getHealth() == null ? null : state.getHealth().getStatus();
            if ("healthy".equals(status)) {
                return new Health.Check("healthcheck", true, "healthy");
            }
            if ("unhealthy".equals(status)) {
                return new Health.Check("healthcheck", false, "unhealthy after "
                        + state.getHealth().getFailingStreak() + " failed checks");
            }
            if (System.nanoTime() > deadline) {
                return new Health.Check("healthcheck", false, "still " + status + " at the timeout");
            }
            Thread.sleep(POLL);
        }
    }

    /** Running, not restarting, no restart for {@code stableFor}. */
    private Health.Check stable(String id, int restarts, long deadline) throws InterruptedException {
        long stableUntil = System.nanoTime() + stableFor.toNanos();
        while (true) {
            InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
            var state = r.getState();
            int now = r.getRestartCount() == null ? 0 : r.getRestartCount();
            if (!Boolean.TRUE.equals(state.getRunning()) || Boolean.TRUE.equals(state.getRestarting())) {
                return new Health.Check("container-running", false, "container " + state.getStatus()
                        + " (exit code " + state.getExitCodeLong() + ")");
            }
            if (now > restarts) {
                return new Health.Check("container-running", false, "container restarted " + (now - restarts)
                        + " times");
            }
            if (System.nanoTime() >= stableUntil) {
                return new Health.Check("container-running", true, "running without a restart for "
                        + stableFor.toSeconds() + " s");
            }
            if (System.nanoTime() > deadline) {
                return new Health.Check("container-running", false, "verify.timeout passed before verify.stable-for");
            }
            Thread.sleep(POLL);
        }
    }

    /** GET {@code url} until it answers 2xx or the deadline passes. */
    private Health.Check probe(String url, long deadline) throws InterruptedException {
        URI uri;
        try {
            uri = URI.create(url);
            if (uri.getScheme() == null || !uri.getScheme().matches("https?")) {
                return new Health.Check("http-probe", false, HEALTH_URL_LABEL + " is not an http(s) URL: " + url);
            }
        } catch (IllegalArgumentException e) {
            return new Health.Check("http-probe", false, HEALTH_URL_LABEL + " is not a URL: " + url);
        }
        String last = "no answer";
        while (true) {
            try {
                HttpResponse<Void> res = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET()
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (res.statusCode() / 100 == 2) {
                    return new Health.Check("http-probe", true, "GET " + url + " → " + res.statusCode());
                }
                last = "GET " + url + " → " + res.statusCode();
            } catch (IOException e) {
                last = "GET " + url + " failed: " + rootMessage(e);
            }
            if (System.nanoTime() > deadline) {
                return new Health.Check("http-probe", false, last);
            }
            Thread.sleep(POLL);
        }
    }

    @Override
    public void finish(Change c) throws RolloutException {
        try {
            Optional<InspectContainerResponse> old = inspect(oldName(c));
            if (old.isPresent()) {
                docker.removeContainerCmd(old.get().getId()).withForce(true).exec();
            }
        } catch (NotFoundException e) {
            // removed meanwhile
        } catch (RuntimeException e) {
            throw new RolloutException("removing the old container " + oldName(c) + " failed: " + rootMessage(e), e);
        }
    }

    @Override
    public void rollback(Change c) throws RolloutException {
        String name = c.key().name();
        try {
            Optional<InspectContainerResponse> current = inspect(name);
            if (current.isPresent()
                    && String.valueOf(c.runId()).equals(labels(current.get().getConfig()).get(RUN_LABEL))) {
                docker.removeContainerCmd(current.get().getId()).withForce(true).exec();
                current = Optional.empty();
            }
            Optional<InspectContainerResponse> old = inspect(oldName(c));
            String restore;
            if (old.isPresent()) {
                if (current.isPresent()) {
                    throw new RolloutException("another container named " + name + " appeared; the previous one is"
                            + " kept as " + oldName(c));
                }
                docker.renameContainerCmd(old.get().getId()).withName(name).exec();
                restore = old.get().getId();
            } else if (current.isPresent() && sameImage(current.get().getConfig().getImage(), c.fromImage())) {
                restore = current.get().getId(); // never replaced
            } else {
                throw new RolloutException("the previous container of " + name + " (" + c.fromImage()
                        + ") is gone");
            }
            try {
                docker.startContainerCmd(restore).exec();
            } catch (NotModifiedException e) {
                // already running
            }
        } catch (RuntimeException e) {
            throw new RolloutException("restoring container " + name + " failed: " + rootMessage(e), e);
        }
    }

    /** {@code nginx}, {@code nginx:latest} and {@code docker.io/library/nginx:latest} are the same image. */
    private static boolean sameImage(String a, String b) {
        return KubernetesApplier.sameImage(a, b);
    }

    private Optional<InspectContainerResponse> inspect(String nameOrId) {
        try {
            return Optional.of(docker.inspectContainerCmd(nameOrId).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> labels(ContainerConfig cfg) {
        return cfg == null || cfg.getLabels() == null ? Map.of() : cfg.getLabels();
    }

    private static boolean same(Object a, Object b) {
        return Objects.equals(JSON.valueToTree(a), JSON.valueToTree(b));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
