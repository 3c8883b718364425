package dev.safeupdater.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.safeupdater.model.ImageReference;
import dev.safeupdater.platform.FileErrors;

/** Everything the registry client is configured with. Immutable; build with {@link #builder()}. */
public final class RegistryOptions {
    private final HostOptions defaults;
    private final Map<String, HostOptions> hosts;
    private final RegistryCredentials credentials;
    private final Duration timeout;
    private final int retries;
    private final Duration backoffBase;
    private final Duration backoffMax;
    private final Duration maxRetryAfter;
    private final Duration cacheTtl;
    private final int cacheSize;
    private final Platform platform;
    private final int maxTags;
    private final Clock clock;

    private RegistryOptions(Builder b) {
        this.defaults = b.defaults;
        this.hosts = Map.copyOf(b.hosts);
        this.credentials = b.credentials;
        this.timeout = b.timeout;
        this.retries = b.retries;
        this.backoffBase = b.backoffBase;
        this.backoffMax = b.backoffMax;
        this.maxRetryAfter = b.maxRetryAfter;
        this.cacheTtl = b.cacheTtl;
        this.cacheSize = b.cacheSize;
        this.platform = b.platform;
        this.maxTags = b.maxTags;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The options for registry {@code registry} (its own entry, else the defaults). */
    public HostOptions host(String registry) {
        return hosts.getOrDefault(ImageReference.normaliseRegistry(registry), defaults);
    }

    /** The most requests allowed in flight to one registry: the largest maxConcurrent, the defaults' included. */
    public int maxConcurrent() {
        return Math.max(defaults.maxConcurrent(), hosts.values().stream().mapToInt(HostOptions::maxConcurrent).max()
                .orElse(1));
    }

    /** The registries with an entry of their own (registries.yaml, insecure registries), by canonical name. */
    public java.util.Set<String> configuredRegistries() {
        return hosts.keySet();
    }

    public RegistryCredentials credentials() {
        return credentials;
    }

    public Duration timeout() {
        return timeout;
    }

    public int retries() {
        return retries;
    }

    public Duration backoffBase() {
        return backoffBase;
    }

    public Duration backoffMax() {
        return backoffMax;
    }

    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    public Duration cacheTtl() {
        return cacheTtl;
    }

    public int cacheSize() {
        return cacheSize;
    }

    public Platform platform() {
        return platform;
    }

    public int maxTags() {
        return maxTags;
    }

    public Clock clock() {
        return clock;
    }

    /** Builds options; every value has a sensible default. */
    public static final class Builder {
        private HostOptions defaults = new HostOptions(false, null, 10, 10, 4);
        private final Map<String, HostOptions> hosts = new LinkedHashMap<>();
        private RegistryCredentials credentials = RegistryCredentials.none();
        private Duration timeout = Duration.ofSeconds(30);
        private int retries = 3;
        private Duration backoffBase = Duration.ofMillis(200);
        private Duration backoffMax = Duration.ofSeconds(10);
        private Duration maxRetryAfter = Duration.ofSeconds(60);
        private Duration cacheTtl = Duration.ofMinutes(10);
        private int cacheSize = 2000;
        private Platform platform = Platform.LINUX_AMD64;
        private int maxTags = 100_000;
        private Clock clock = Clock.systemUTC();

        /** Options for registries without their own entry. */
        public Builder defaults(HostOptions value) {
            this.defaults = value;
            return this;
        }

        public HostOptions defaults() {
            return defaults;
        }

        /** Options for one registry ({@code docker.io}, {@code host:port}). */
        public Builder host(String registry, HostOptions value) {
            hosts.put(ImageReference.normaliseRegistry(registry), value);
            return this;
        }

        /** The options of {@code registry} so far (its own entry, else the defaults). */
        public HostOptions hostOrDefaults(String registry) {
            return hosts.getOrDefault(ImageReference.normaliseRegistry(registry), defaults);
        }

        public Builder credentials(RegistryCredentials value) {
            this.credentials = value;
            return this;
        }

        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        public Builder retries(int value) {
            this.retries = value;
            return this;
        }

        public Builder backoff(Duration base, Duration max) {
            this.backoffBase = base;
            this.backoffMax = max;
            return this;
        }

        public Builder maxRetryAfter(Duration value) {
            this.maxRetryAfter = value;
            return this;
        }

        public Builder cache(Duration ttl, int size) {
            this.cacheTtl = ttl;
            this.cacheSize = size;
            return this;
        }

        public Builder platform(Platform value) {
            this.platform = value;
            return this;
        }

        public Builder maxTags(int value) {
            this.maxTags = value;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /**
         * Reads per-registry options from a YAML file:
         * <pre>
         * registries:
         *   "127.0.0.1:5000": {insecure: true}
         *   registry.example.com: {ca: /etc/ssl/example-ca.pem, rate: 20, burst: 40, maxConcurrent: 8}
         * </pre>
         * Unset fields keep the defaults. Unknown keys and bad values are refused with the file and registry named.
         */
        public Builder hostsFile(Path file) {
            JsonNode root;
            try {
                root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new IllegalArgumentException(FileErrors.cannotRead("registries file", file, e));
            }
            if (root == null || root.isNull() || root.isMissingNode()) {
                return this;
            }
            if (!root.isObject() || root.size() != 1 || !root.has("registries") || !root.get("registries").isObject()) {
                throw new IllegalArgumentException(file + ": expected a mapping with one key, registries");
            }
            for (var e : root.get("registries").properties()) {
                String registry = e.getKey();
                JsonNode n = e.getValue();
                if (!n.isObject()) {
                    throw new IllegalArgumentException(file + ": registries." + registry + " must be a mapping");
                }
                HostOptions h = hostOrDefaults(registry);
                for (var f : n.properties()) {
                    String where = file + ": registries." + registry + "." + f.getKey();
                    JsonNode v = f.getValue();
                    switch (f.getKey()) {
                        case "insecure" -> h = h.withInsecure(bool(v, where));
                        case "ca" -> {
                            Path ca = file.toAbsolutePath().resolveSibling(v.asText());
                            if (!Files.isReadable(ca)) {
                                throw new IllegalArgumentException(where + ": cannot read " + ca);
                            }
                            h = h.withCaFile(ca);
                        }
                        case "rate" -> h = h.withRate(positive(v, where), h.burst());
                        case "burst" -> h = h.withRate(h.rate(), (int) positive(v, where));
                        case "maxConcurrent" -> h = h.withMaxConcurrent((int) positive(v, where));
                        default -> throw new IllegalArgumentException(where + ": unknown key (known: "
                                + String.join(", ", KNOWN_HOST_KEYS) + ")");
                    }
                }
                host(registry, h);
            }
            return this;
        }

        private static final List<String> KNOWN_HOST_KEYS = List.of("insecure", "ca", "rate", "burst", "maxConcurrent");

        private static boolean bool(JsonNode v, String where) {
            if (!v.isBoolean()) {
                throw new IllegalArgumentException(where + ": must be true or false");
            }
            return v.asBoolean();
        }

        private static double positive(JsonNode v, String where) {
            if (!v.isNumber() || v.asDouble() <= 0) {
                throw new IllegalArgumentException(where + ": must be a positive number");
            }
            return v.asDouble();
        }

        /** Marks each registry of {@code registries} as reached over plain HTTP. */
        public Builder insecure(Set<String> registries) {
            for (String r : registries) {
                host(r, hostOrDefaults(r).withInsecure(true));
            }
            return this;
        }

        public RegistryOptions build() {
            return new RegistryOptions(this);
        }
    }
}
