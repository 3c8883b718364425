package dev.safeupdater.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Pushes images to a {@link TestRegistry} through the distribution API (no Docker engine): blobs, Docker schema 2
 * manifests and manifest lists, OCI manifests and indexes.
 */
final class Pusher {
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A pushed manifest. */
    record Pushed(String digest, int size, String mediaType) {
    }

    private final TestRegistry registry;
    private final HttpClient http;

    Pusher(TestRegistry registry) {
        this.registry = registry;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (registry.mode() == TestRegistry.Mode.TLS) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setCertificateEntry("ca", registry.caCertificate());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
                b.sslContext(ctx);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        this.http = b.build();
    }

    /** An image with one layer and a config whose {@code created} is {@code created}. */
    Pushed pushImage(String repo, String tag, Instant created, boolean oci) {
        return pushImage(repo, tag, created, oci, "amd64");
    }

    Pushed pushImage(String repo, String tag, Instant created, boolean oci, String arch) {
        Pushed m = putImageManifest(repo, created, oci, arch, tag);
        putManifest(repo, tag, m.mediaType(), lastManifestBytes);
        return m;
    }

    private byte[] lastManifestBytes;

    /** Pushes an image manifest by digest only; returns it (the bytes are kept for tagging). */
    Pushed putImageManifest(String repo, Instant created, boolean oci, String arch, String salt) {
        byte[] layer = ("layer of " + repo + " " + salt + " " + arch).getBytes(StandardCharsets.UTF_8);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", arch);
        config.put("os", "linux");
        if (created != null) {
            config.put("created", created.toString());
        }
        config.put("config", Map.of("Env", List.of("SALT=" + salt)));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(RegistryClient.sha256(layer))));
        byte[] configBytes = json(config);
        String layerDigest = pushBlob(repo, layer);
        String configDigest = pushBlob(repo, configBytes);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", oci ? OCI_MANIFEST : DOCKER_MANIFEST);
        manifest.put("config", Map.of("mediaType", oci ? "application/vnd.oci.image.config.v1+json"
                : "application/vnd.docker.container.image.v1+json", "size", configBytes.length, "digest", configDigest));
        manifest.put("layers", List.of(Map.of("mediaType", oci ? "application/vnd.oci.image.layer.v1.tar+gzip"
                : "application/vnd.docker.image.rootfs.diff.tar.gzip", "size", layer.length, "digest", layerDigest)));
        byte[] bytes = json(manifest);
        String digest = RegistryClient.sha256(bytes);
        putManifest(repo, digest, oci ? OCI_MANIFEST : DOCKER_MANIFEST, bytes);
        lastManifestBytes = bytes;
        return new Pushed(digest, bytes.length, oci ? OCI_MANIFEST : DOCKER_MANIFEST);
    }

    /**
     * A multi-platform image: one manifest per architecture (configs created at {@code created} plus the index of
     * the architecture in hours), a Docker manifest list or an OCI index over them, and (OCI) an attestation entry.
     */
    Pushed pushMultiArch(String repo, String tag, Instant created, boolean oci, List<String> arches) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < arches.size(); i++) {
            Pushed m = putImageManifest(repo, created.plusSeconds(3600L * i), oci, arches.get(i), tag);
            entries.add(Map.of("mediaType", m.mediaType(), "size", m.size(), "digest", m.digest(),
                    "platform", Map.of("architecture", arches.get(i), "os", "linux")));
        }
        if (oci) {
            Pushed att = putImageManifest(repo, null, true, "unknown", tag + "-attestation");
            entries.addFirst(Map.of("mediaType", att.mediaType(), "size", att.size(), "digest", att.digest(),
                    "platform", Map.of("architecture", "unknown", "os", "unknown"),
                    "annotations", Map.of("vnd.docker.reference.type", "attestation-manifest")));
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", oci ? OCI_INDEX : DOCKER_LIST);
        index.put("manifests", entries);
        byte[] bytes = json(index);
        putManifest(repo, tag, oci ? OCI_INDEX : DOCKER_LIST, bytes);
        return new Pushed(RegistryClient.sha256(bytes), bytes.length, oci ? OCI_INDEX : DOCKER_LIST);
    }

    /** Tags an existing manifest (by its bytes) once more. */
    void tag(String repo, String tag, Pushed manifest, byte[] bytes) {
        putManifest(repo, tag, manifest.mediaType(), bytes);
    }

    /** The bytes of the last image manifest pushed. */
    byte[] lastManifestBytes() {
        return lastManifestBytes;
    }

    String pushBlob(String repo, byte[] data) {
        String digest = RegistryClient.sha256(data);
        HttpResponse<String> start = send(request("/v2/" + repo + "/blobs/uploads/", repo)
                .POST(HttpRequest.BodyPublishers.noBody()));
        expect(start, 202, "start upload");
        String location = start.headers().firstValue("Location").orElseThrow();
        URI uri = URI.create(registry.baseUrl()).resolve(location);
        String sep = uri.toString().contains("?") ? "&" : "?";
        HttpRequest.Builder put = withAuth(HttpRequest.newBuilder(URI.create(uri + sep + "digest=" + digest)), repo)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data));
        expect(send(put), 201, "finish upload");
        return digest;
    }

    void putManifest(String repo, String reference, String mediaType, byte[] bytes) {
        HttpResponse<String> r = send(request("/v2/" + repo + "/manifests/" + reference, repo)
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
        expect(r, 201, "put manifest " + repo + ":" + reference);
    }

    private HttpRequest.Builder request(String path, String repo) {
        return withAuth(HttpRequest.newBuilder(URI.create(registry.baseUrl() + path)), repo);
    }

    private HttpRequest.Builder withAuth(HttpRequest.Builder b, String repo) {
        switch (registry.mode()) {
            case HTPASSWD -> b.header("Authorization", Credentials.basic(TestRegistry.USER, TestRegistry.PASSWORD)
                    .basicHeader());
            case TOKEN -> b.header("Authorization", "Bearer " + registry.issuer().mint(repo, "pull", "push"));
            default -> {
            }
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("push request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(what + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    static byte[] json(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
