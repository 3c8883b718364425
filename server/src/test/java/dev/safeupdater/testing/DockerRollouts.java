package dev.safeupdater.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/**
 * Real Docker engine (bin/test's private dockerd) and a real registry (docker-registry on a free 127.0.0.1 port) for
 * rollout tests: builds busybox images with {@code docker import} and a CMD, pushes them, and cleans up only what it
 * labelled ({@link #LABEL}) or built.
 */
public final class DockerRollouts implements AutoCloseable {
    public static final String LABEL = "dev.safeupdater.test-run";

    public final String host;
    /** Starts with a letter: a hex id such as 0e123456 would read as a number in YAML. */
    public final String runId = "t" + UUID.randomUUID().toString().substring(0, 8);
    public final DockerClient docker;
    private final Path busybox;
    private final List<String> images = new ArrayList<>();
    private Process registry;
    private Path registryDir;
    private int registryPort;

    public DockerRollouts() {
        host = System.getenv("SAFE_UPDATER_TEST_DOCKER_HOST");
        String bb = System.getenv("SAFE_UPDATER_TEST_BUSYBOX");
        if (host == null || host.isBlank() || bb == null) {
            throw new IllegalStateException("SAFE_UPDATER_TEST_DOCKER_HOST and SAFE_UPDATER_TEST_BUSYBOX are not set:"
                    + " run these tests through bin/test (it starts the Docker engine)");
        }
        busybox = Path.of(bb);
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(URI.create(host)).maxConnections(50).responseTimeout(Duration.ofSeconds(60)).build());
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts an open registry; returns {@code 127.0.0.1:PORT}. */
    public String startRegistry() throws IOException, InterruptedException {
        String bin = System.getenv("SAFE_UPDATER_TEST_REGISTRY_BIN");
        if (bin == null) {
            throw new IllegalStateException("SAFE_UPDATER_TEST_REGISTRY_BIN is not set: run through bin/test");
        }
        registryDir = Files.createTempDirectory("su-rollout-registry");
        registryPort = freePort();
        Path cfg = registryDir.resolve("config.yml");
        Files.writeString(cfg, "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + registryDir.resolve("data") + "\n"
                + "  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + registryPort + "\n");
        registry = new ProcessBuilder(bin, "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(registryDir.resolve("log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", registryPort)) {
                if (s.isConnected()) {
                    return registry();
                }
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("registry did not start: " + Files.readString(registryDir.resolve("log")));
    }

    public String registry() {
        return "127.0.0.1:" + registryPort;
    }

    /**
     * Imports a busybox image {@code ref} whose command is {@code sh -c shell}; {@code healthFile}: whether
     * {@code /www/health} exists (served by {@code busybox httpd}).
     */
    public void image(String ref, String shell, boolean healthFile) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("rootfs");
        try {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Files.copy(busybox, bin.resolve("busybox"));
            for (String applet : List.of("sh", "sleep", "true", "httpd", "echo", "cat")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            Path www = Files.createDirectories(dir.resolve("www"));
            Files.writeString(www.resolve(healthFile ? "health" : "index.html"), "ok " + ref + "\n");
            Path tar = dir.resolveSibling(dir.getFileName() + ".tar");
            run(List.of("tar", "-C", dir.toString(), "-cf", tar.toString(), "."));
            try {
                int colon = ref.lastIndexOf(':');
                String change = "CMD [\"/bin/sh\", \"-c\", \"" + shell.replace("\"", "\\\"") + "\"]";
                String out = run(List.of("curl", "-sS", "--fail", "--unix-socket", host.substring("unix://".length()),
                        "-X", "POST", "-H", "Content-Type: application/x-tar", "--data-binary", "@" + tar,
                        "http://localhost/images/create?fromSrc=-&repo=" + enc(ref.substring(0, colon)) + "&tag="
                                + enc(ref.substring(colon + 1)) + "&changes=" + enc(change)));
                if (!out.contains("sha256:")) {
                    throw new IOException("importing " + ref + " failed: " + out);
                }
            } finally {
                Files.deleteIfExists(tar);
            }
            images.add(ref);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Pushes {@code ref} to its registry and, when {@code removeLocal}, forgets it locally (so it must be pulled). */
    public void push(String ref, boolean removeLocal) throws IOException, InterruptedException {
        int colon = ref.lastIndexOf(':');
        String out = run(List.of("curl", "-sS", "--fail", "--unix-socket", host.substring("unix://".length()),
                "-X", "POST", "-H", "X-Registry-Auth: e30=",
                "http://localhost/images/" + ref.substring(0, colon) + "/push?tag=" + enc(ref.substring(colon + 1))));
        if (out.contains("\"error\"") || !out.contains("digest")) {
            throw new IOException("pushing " + ref + " failed: " + out);
        }
        if (removeLocal) {
            docker.removeImageCmd(ref).withForce(true).exec();
        }
    }

    /** Deletes {@code repo:tag}'s manifest from the registry (the tag then names an image nobody can pull). */
    public void deleteFromRegistry(String repo, String tag) throws IOException, InterruptedException {
        String path = repo.substring(repo.indexOf('/') + 1);
        var http = java.net.http.HttpClient.newHttpClient();
        var head = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://" + registry() + "/v2/" + path
                        + "/manifests/" + tag)).method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json").build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        String digest = head.headers().firstValue("Docker-Content-Digest")
                .orElseThrow(() -> new IOException("no digest for " + repo + ":" + tag + " (" + head.statusCode() + ")"));
        var del = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://" + registry() + "/v2/" + path
                + "/manifests/" + digest)).DELETE().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        if (del.statusCode() != 202) {
            throw new IOException("deleting " + repo + ":" + tag + " answered " + del.statusCode() + ": " + del.body());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd.subList(0, 1)) + " failed: " + out);
        }
        return out;
    }

    /** This fixture's containers (every one it labelled, whatever their names are now). */
    public List<Container> containers() {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL, runId)).exec();
    }

    @Override
    public void close() {
        for (Container c : containers()) {
            try {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
            } catch (RuntimeException e) {
                // gone already
            }
        }
        for (String image : images) {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        if (registry != null) {
            registry.destroy();
            try {
                registry.waitFor(5, TimeUnit.SECONDS);
                try (var walk = Files.walk(registryDir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            } catch (IOException | InterruptedException e) {
                // best effort
            }
        }
        try {
            docker.close();
        } catch (IOException e) {
            // best effort
        }
    }
}
