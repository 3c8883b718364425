package dev.safeupdater.inventory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/**
 * The real Docker engine bin/test starts ({@code SAFE_UPDATER_TEST_DOCKER_HOST}, Debian's dockerd on a private
 * socket): builds busybox images with an import (no registry pulls here), runs containers with host networking and
 * {@code --init}, and labels everything with a per-fixture run id so it finds and removes only its own.
 */
final class DockerFixture implements AutoCloseable {
    static final String RUN_LABEL = "dev.safeupdater.test-run";

    final String host;
    final String runId = UUID.randomUUID().toString().substring(0, 8);
    final DockerClient docker;
    private final Path busybox;
    private final List<String> images = new ArrayList<>();

    DockerFixture() {
        host = System.getenv("SAFE_UPDATER_TEST_DOCKER_HOST");
        String bb = System.getenv("SAFE_UPDATER_TEST_BUSYBOX");
        if (host == null || host.isBlank() || bb == null) {
            throw new IllegalStateException("SAFE_UPDATER_TEST_DOCKER_HOST and SAFE_UPDATER_TEST_BUSYBOX are not set:"
                    + " these tests need the real Docker engine bin/test starts (bin/infra/docker.sh); run them"
                    + " through bin/test");
        }
        busybox = Path.of(bb);
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(URI.create(host)).responseTimeout(Duration.ofSeconds(60)).build());
    }

    /** Imports a busybox root filesystem as {@code repository:tag}. */
    void image(String repository, String tag) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("rootfs");
        try {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Files.copy(busybox, bin.resolve("busybox"));
            for (String applet : List.of("sh", "sleep", "true")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            Path tar = dir.resolveSibling(dir.getFileName() + ".tar");
            Process p = new ProcessBuilder("tar", "-C", dir.toString(), "-cf", tar.toString(), ".")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("tar failed: " + new String(p.getInputStream().readAllBytes()));
            }
            try {
                // docker-java's import truncates streamed bodies over the unix socket ("unexpected EOF"): use curl
                String socket = host.substring("unix://".length());
                Process curl = new ProcessBuilder("curl", "-sS", "--fail", "--unix-socket", socket, "-X", "POST",
                        "-H", "Content-Type: application/x-tar", "--data-binary", "@" + tar,
                        "http://localhost/images/create?fromSrc=-&repo=" + repository + "&tag=" + tag)
                        .redirectErrorStream(true).start();
                String out = new String(curl.getInputStream().readAllBytes());
                if (!curl.waitFor(120, TimeUnit.SECONDS) || curl.exitValue() != 0 || !out.contains("sha256:")) {
                    throw new IOException("importing " + repository + ":" + tag + " failed: " + out);
                }
            } finally {
                Files.deleteIfExists(tar);
            }
            images.add(repository + ":" + tag);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Creates (and, when {@code start}, starts) a container sleeping for an hour, labelled with this run. */
    String container(String name, String image, Map<String, String> labels, boolean start) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.put(RUN_LABEL, runId);
        CreateContainerResponse c = docker.createContainerCmd(image).withName(name + "-" + runId)
                .withCmd("/bin/sleep", "3600")
                .withEnv("PASSWORD=hunter2", "MODE=test")
                .withLabels(all)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host").withInit(true))
                .exec();
        if (start) {
            docker.startContainerCmd(c.getId()).exec();
        }
        return c.getId();
    }

    String name(String base) {
        return base + "-" + runId;
    }

    /** Removes this run's containers and images. */
    @Override
    public void close() {
        List<Container> mine = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(RUN_LABEL, runId)).exec();
        for (Container c : mine) {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        for (String image : images) {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        try {
            docker.close();
        } catch (IOException e) {
            // best effort
        }
    }
}
