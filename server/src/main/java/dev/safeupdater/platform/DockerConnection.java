package dev.safeupdater.platform;

import java.nio.file.Path;
import java.time.Duration;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/**
 * How to reach one Docker engine (unix socket, or TCP with optional TLS), shared by the inventory source that lists
 * its containers and the applier that recreates them. No API version is pinned: the engine's own is used (Debian's
 * dockerd speaks at most 1.41).
 *
 * @param host      {@code unix:///path/docker.sock} or {@code tcp://host:port}
 * @param tlsVerify verify the engine's certificate (TCP)
 * @param certPath  directory with ca.pem, cert.pem, key.pem; null for none
 * @param timeout   response timeout of one request (connect: at most 10 s)
 */
public record DockerConnection(String host, boolean tlsVerify, Path certPath, Duration timeout) {

    /** A client with at most {@code maxConnections} connections; the caller closes it. */
    public DockerClient open(int maxConnections) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .withDockerTlsVerify(tlsVerify);
        if (certPath != null) {
            b.withDockerCertPath(certPath.toString());
        }
        DefaultDockerClientConfig config = b.build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(maxConnections)
                .connectionTimeout(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))))
                .responseTimeout(timeout)
                .build();
        return DockerClientImpl.getInstance(config, http);
    }
}
