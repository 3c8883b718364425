package dev.safeupdater.inventory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;

/**
 * The containers of one Docker engine (unix socket, or TCP with optional TLS). One asset slot per container: kind
 * {@code Container}, namespace = its Compose project (if any), the image reference it was created from, the digest it
 * runs (from the image's RepoDigests), and in {@code details} the container configuration needed to recreate it
 * (environment variable names only: values may be secrets and are read from the engine when recreating). Opt-out with
 * the label {@code safe-updater.io/enabled=false}, or require opt-in ({@code requireOptIn}). No API version is pinned:
 * the engine's own (Debian's dockerd speaks at most 1.41) is used.
 */
public final class DockerSource implements InventorySource {
    static final String SOURCE = "docker";
    static final String KIND = "Container";
    private static final String COMPOSE_PROJECT = "com.docker.compose.project";
    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() { };
    /** Renders docker-java's model in the Engine API's own field names (its Jackson annotations). */
    private static final ObjectMapper DOCKER_JSON = new ObjectMapper()
            .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.USE_DEFAULTS))
            .disable(com.fasterxml.jackson.databind.SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private final String name;
    private final String engine;
    private final String host;
    private final boolean tlsVerify;
    private final Path certPath;
    private final Map<String, String> labelFilter;
    private final boolean requireOptIn;
    private final boolean includeStopped;
    private final Duration timeout;

    DockerSource(String name, String engine, String host, boolean tlsVerify, Path certPath,
                 Map<String, String> labelFilter, boolean requireOptIn, boolean includeStopped, Duration timeout) {
        this.name = name;
        this.engine = engine;
        this.host = host;
        this.tlsVerify = tlsVerify;
        this.certPath = certPath;
        this.labelFilter = Map.copyOf(labelFilter);
        this.requireOptIn = requireOptIn;
        this.includeStopped = includeStopped;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return SOURCE;
    }

    /** The engine name written into the assets' {@code cluster} column. */
    public String engine() {
        return engine;
    }

    @Override
    public SourceScan scan(ScanProgress progress) throws SourceException {
        int requests = 0;
        List<ObservedAsset> assets = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try (DockerClient docker = open()) {
            Map<String, String> filter = new HashMap<>(labelFilter);
            if (requireOptIn) {
                filter.put(Hints.ENABLED, "true");
            }
            List<Container> containers;
            try {
                requests++;
                var cmd = docker.listContainersCmd().withShowAll(includeStopped);
                if (!filter.isEmpty()) {
                    cmd = cmd.withLabelFilter(filter);
                }
                containers = cmd.exec();
            } catch (RuntimeException e) {
                throw unreachable(e);
            }
            Map<String, InspectImageResponse> images = new HashMap<>();
            long done = 0;
            for (Container c : containers) {
                Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
                if (!Hints.enabled(labels, requireOptIn)) {
                    continue;
                }
                InspectContainerResponse inspect;
                try {
                    requests++;
                    inspect = docker.inspectContainerCmd(c.getId()).exec();
                } catch (NotFoundException e) {
                    continue; // removed between list and inspect
                } catch (RuntimeException e) {
                    throw unreachable(e);
                }
                InspectImageResponse image = images.get(inspect.getImageId());
                if (image == null && inspect.getImageId() != null) {
                    try {
                        requests++;
                        image = docker.inspectImageCmd(inspect.getImageId()).exec();
                        images.put(inspect.getImageId(), image);
                    } catch (NotFoundException e) {
                        image = null;
                    } catch (RuntimeException e) {
                        throw unreachable(e);
                    }
                }
                ObservedAsset asset = asset(inspect, image, warnings);
                if (asset != null) {
                    assets.add(asset);
                }
                progress.listed(KIND, ++done, containers.size());
            }
        } catch (IOException e) {
            // closing the client failed: everything was read already
            warnings.add("closing the connection to " + host + " failed: " + e.getMessage());
        }
        return new SourceScan(assets, List.of(), warnings, requests, List.of());
    }

    private DockerClient open() throws SourceException {
        try {
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
                    .maxConnections(4)
                    .connectionTimeout(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))))
                    .responseTimeout(timeout)
                    .build();
            return DockerClientImpl.getInstance(config, http);
        } catch (RuntimeException e) {
            throw new SourceException(name + ": invalid Docker engine settings for " + host + ": " + rootMessage(e), e);
        }
    }

    private ObservedAsset asset(InspectContainerResponse c, InspectImageResponse image, List<String> warnings) {
        String containerName = c.getName() == null ? c.getId() : c.getName().replaceFirst("^/", "");
        var config = c.getConfig();
        String reference = config == null ? null : config.getImage();
        if (reference == null || reference.startsWith("sha256:") || reference.matches("[0-9a-f]{12,64}")) {
            // created from an image id: use a tag the image carries, if any
            List<String> repoTags = image == null ? null : image.getRepoTags();
            reference = repoTags != null && !repoTags.isEmpty() ? repoTags.getFirst() : null;
        }
        if (reference == null) {
            warnings.add("container " + containerName + " runs an untagged image " + c.getImageId() + "; not tracked");
            return null;
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(reference);
        } catch (IllegalArgumentException e) {
            warnings.add("container " + containerName + ": " + e.getMessage() + "; not tracked");
            return null;
        }
        Map<String, String> configLabels = config == null ? null : config.getLabels();
        Map<String, String> labels = configLabels == null ? Map.of() : configLabels;
        String digest = ref.digest() != null ? ref.digest() : repoDigest(ref, image);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("containerId", c.getId());
        if (c.getState() != null && c.getState().getStatus() != null) {
            details.put("state", c.getState().getStatus());
        }
        if (c.getImageId() != null) {
            details.put("imageId", c.getImageId());
        }
        if (c.getCreated() != null) {
            details.put("created", c.getCreated());
        }
        if (config != null) {
            details.put("config", recreateConfig(config));
        }
        if (c.getHostConfig() != null) {
            details.put("hostConfig", compact(DOCKER_JSON.convertValue(c.getHostConfig(), JSON_OBJECT)));
        }
        if (c.getNetworkSettings() != null && c.getNetworkSettings().getNetworks() != null) {
            details.put("networks", List.copyOf(c.getNetworkSettings().getNetworks().keySet()));
        }
        return new ObservedAsset(new AssetKey(SOURCE, engine, labels.getOrDefault(COMPOSE_PROJECT, ""), KIND,
                containerName, ""), ImageReference.withoutTagAndDigest(reference), WorkloadParser.runningTag(ref), digest,
                labels, Map.of(), details);
    }

    /** The digest among the image's RepoDigests that belongs to the repository the container names. */
    private static String repoDigest(ImageReference ref, InspectImageResponse image) {
        List<String> repoDigests = image == null ? null : image.getRepoDigests();
        if (repoDigests == null) {
            return null;
        }
        String wanted = ref.name();
        for (String rd : repoDigests) {
            try {
                ImageReference candidate = ImageReference.parse(rd);
                String candidateDigest = candidate.digest();
                if (candidateDigest != null && candidate.name().equals(wanted)) {
                    return candidateDigest;
                }
            } catch (IllegalArgumentException e) {
                // an entry we cannot read names no repository of ours
            }
        }
        return null;
    }

    /** The container's Config as the engine reports it, with environment variable values removed. */
    private static Map<String, Object> recreateConfig(com.github.dockerjava.api.model.ContainerConfig config) {
        Map<String, Object> m = compact(DOCKER_JSON.convertValue(config, JSON_OBJECT));
        Object env = m.remove("Env");
        if (env instanceof List<?> list) {
            m.put("EnvNames", list.stream().map(String::valueOf)
                    .map(e -> e.contains("=") ? e.substring(0, e.indexOf('=')) : e).toList());
        }
        return m;
    }

    /** Drops null and empty values, so details stay small and stable. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> compact(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> inner) {
                v = compact((Map<String, Object>) inner);
            }
            boolean empty = v == null || (v instanceof Map<?, ?> mm && mm.isEmpty())
                    || (v instanceof List<?> l && l.isEmpty()) || (v instanceof String s && s.isEmpty());
            if (!empty) {
                out.put(k, v);
            }
        });
        return out;
    }

    private SourceException unreachable(RuntimeException e) {
        return new SourceException(name + ": cannot reach the Docker engine at " + host + ": " + rootMessage(e), e);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** The engine address, for messages. */
    URI hostUri() {
        return URI.create(host);
    }
}
