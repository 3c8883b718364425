package dev.safeupdater.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real registry (Debian's docker-registry, CNCF distribution 2.8) in its own temp directory on a free 127.0.0.1
 * port, in one of four modes: open, htpasswd, bearer token (with a {@link TokenIssuer}), or TLS with a test CA.
 * {@code SAFE_UPDATER_TEST_REGISTRY_BIN} (and {@code SAFE_UPDATER_TEST_HTPASSWD_BIN} for htpasswd) must name the
 * programs; bin/test sets them. Close it to stop the process and delete its files.
 */
final class TestRegistry implements AutoCloseable {
    enum Mode {
        OPEN, HTPASSWD, TOKEN, TLS
    }

    static final String USER = "tester";
    static final String PASSWORD = "s3cret-Pa55word";

    private final Mode mode;
    private final Path dir;
    private final int port;
    private final Process process;
    private final TokenIssuer issuer;
    private final TestCerts.KeyPairFiles ca;

    private TestRegistry(Mode mode, Path dir, int port, Process process, TokenIssuer issuer, TestCerts.KeyPairFiles ca) {
        this.mode = mode;
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.issuer = issuer;
        this.ca = ca;
    }

    static String requiredEnv(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set: run the tests through bin/test, which installs the"
                    + " registry test tools (bin/infra/registry.sh) and exports it");
        }
        return v;
    }

    static TestRegistry start(Mode mode) {
        String bin = requiredEnv("SAFE_UPDATER_TEST_REGISTRY_BIN");
        try {
            Path dir = Files.createTempDirectory("su-registry-");
            int port = freePort();
            StringBuilder cfg = new StringBuilder();
            cfg.append("version: 0.1\n")
                    .append("log:\n  level: error\n  accesslog:\n    disabled: true\n")
                    .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n')
                    .append("  delete:\n    enabled: true\n")
                    .append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
            TokenIssuer issuer = null;
            TestCerts.KeyPairFiles ca = null;
            switch (mode) {
                case OPEN -> {
                }
                case HTPASSWD -> {
                    String htpasswd = requiredEnv("SAFE_UPDATER_TEST_HTPASSWD_BIN");
                    Process p = new ProcessBuilder(htpasswd, "-Bbn", USER, PASSWORD).start();
                    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                    if (p.waitFor() != 0 || line.isEmpty()) {
                        throw new IllegalStateException("htpasswd failed");
                    }
                    Files.writeString(dir.resolve("htpasswd"), line + "\n");
                    cfg.append("auth:\n  htpasswd:\n    realm: test-realm\n    path: ").append(dir.resolve("htpasswd"))
                            .append('\n');
                }
                case TOKEN -> {
                    TestCerts.KeyPairFiles signing = TestCerts.selfSigned(dir, "token", "test-token-signer");
                    issuer = new TokenIssuer(signing, USER, PASSWORD);
                    cfg.append("auth:\n  token:\n    realm: ").append(issuer.realm()).append('\n')
                            .append("    service: ").append(TokenIssuer.SERVICE).append('\n')
                            .append("    issuer: ").append(TokenIssuer.ISSUER).append('\n')
                            .append("    rootcertbundle: ").append(signing.certPem()).append('\n');
                }
                case TLS -> {
                    ca = TestCerts.selfSigned(dir, "ca", "Safe Updater Test CA");
                    TestCerts.KeyPairFiles server = TestCerts.serverSignedBy(dir, TestCerts.storeOf(dir, "ca"), "ca");
                    cfg.append("  tls:\n    certificate: ").append(server.certPem()).append('\n')
                            .append("    key: ").append(server.keyPem()).append('\n');
                }
                default -> throw new IllegalArgumentException(mode.name());
            }
            Path config = dir.resolve("config.yml");
            Files.writeString(config, cfg);
            Process process = new ProcessBuilder(bin, "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
            TestRegistry r = new TestRegistry(mode, dir, port, process, issuer, ca);
            r.awaitListening();
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test registry", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("docker-registry did not listen on " + port + ": "
                + Files.readString(dir.resolve("registry.log")));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    Mode mode() {
        return mode;
    }

    int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}, the registry name in image references. */
    String host() {
        return "127.0.0.1:" + port;
    }

    String baseUrl() {
        return (mode == Mode.TLS ? "https://" : "http://") + host();
    }

    TokenIssuer issuer() {
        return issuer;
    }

    /** The test CA certificate (TLS mode). */
    Path caPem() {
        return ca.certPem();
    }

    java.security.cert.X509Certificate caCertificate() {
        return ca.certificate();
    }

    /** A pusher with the rights to write any repository in this registry. */
    Pusher pusher() {
        return new Pusher(this);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (issuer != null) {
            issuer.close();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
