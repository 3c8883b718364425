package dev.safeupdater.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker source over TCP with mutual TLS, the way a remote engine is reached ({@code tcp://host:2376},
 * {@code tlsVerify}, {@code certPath} with ca.pem, cert.pem, key.pem). The real engine bin/test starts listens on a
 * unix socket; a TLS front on 127.0.0.1 that requires a client certificate signed by the test CA forwards to it.
 * Certificates are made with openssl.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerTlsTest {
    @TempDir
    static Path dir;

    private DockerFixture fx;
    private SSLServerSocket front;
    private final List<Thread> threads = new ArrayList<>();

    @BeforeAll
    void setUp() throws Exception {
        fx = new DockerFixture();
        fx.image("127.0.0.1:1/tls/web", "1.0.0");
        fx.container("tls-web", "127.0.0.1:1/tls/web:1.0.0", Map.of(), false);
        Path ca = Files.createDirectories(dir.resolve("ca"));
        Path client = Files.createDirectories(dir.resolve("client"));
        Path other = Files.createDirectories(dir.resolve("other"));
        openssl(ca, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
                "-subj", "/CN=safe-updater-test-ca", "-days", "2");
        Files.writeString(ca.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(ca.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl(ca, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1");
        openssl(ca, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        openssl(ca, "pkcs12", "-export", "-in", "server.pem", "-inkey", "server-key.pem", "-out", "server.p12",
                "-passout", "pass:test");
        openssl(ca, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", client.resolve("key.pem").toString(), "-out",
                "client.csr", "-subj", "/CN=safe-updater");
        openssl(ca, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", client.resolve("cert.pem").toString(), "-days", "2", "-extfile", "client.ext");
        Files.copy(ca.resolve("ca.pem"), client.resolve("ca.pem"));
        // a client of another CA: the front refuses it, and it does not trust the front
        openssl(other, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                "-subj", "/CN=stranger", "-days", "2");
        Files.copy(other.resolve("cert.pem"), other.resolve("ca.pem"));

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.resolve("server.p12"))) {
            keys.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "test".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca.resolve("ca.pem"))) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        front = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 16,
                InetAddress.getByName("127.0.0.1"));
        front.setNeedClientAuth(true);
        Path socket = Path.of(fx.host.substring("unix://".length()));
        Thread acceptor = new Thread(() -> {
            while (!front.isClosed()) {
                try {
                    Socket c = front.accept();
                    SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                    pump(c.getInputStream(), Channels.newOutputStream(engine), c, engine);
                    pump(Channels.newInputStream(engine), c.getOutputStream(), c, engine);
                } catch (IOException e) {
                    // closed, or a refused handshake
                }
            }
        }, "tls-front");
        acceptor.setDaemon(true);
        acceptor.start();
        threads.add(acceptor);
    }

    private void pump(InputStream in, OutputStream out, Socket c, SocketChannel engine) {
        Thread t = new Thread(() -> {
            try (in; out) {
                in.transferTo(out);
            } catch (IOException e) {
                // the other side closed
            } finally {
                try {
                    c.close();
                    engine.close();
                } catch (IOException e) {
                    // best effort
                }
            }
        }, "tls-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void openssl(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    @AfterAll
    void tearDown() throws IOException {
        if (front != null) {
            front.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private DockerSource source(Path certs) {
        return new DockerSource("remote", "remote", "tcp://127.0.0.1:" + front.getLocalPort(), true, certs,
                Map.of(DockerFixture.RUN_LABEL, fx.runId), false, true, Duration.ofSeconds(10));
    }

    @Test
    void anEngineOverTcpWithMutualTls() throws Exception {
        SourceScan scan = source(dir.resolve("client")).scan(ScanProgress.NONE);
        assertEquals(1, scan.assets().size());
        assertEquals("docker/remote/Container/" + fx.name("tls-web"), scan.assets().getFirst().key().display());
        assertEquals("127.0.0.1:1/tls/web", scan.assets().getFirst().image());
    }

    @Test
    void aCertificateTheEngineDoesNotTrustFailsTheSource() {
        SourceException e = assertThrows(SourceException.class, () -> source(dir.resolve("other"))
                .scan(ScanProgress.NONE));
        assertTrue(e.getMessage().startsWith("remote: cannot reach the Docker engine at tcp://127.0.0.1:"),
                e.getMessage());
    }
}
