package dev.safeupdater.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.safeupdater.model.ImageReference;
import dev.safeupdater.platform.FileErrors;

/**
 * Credentials per registry host, read from Docker's {@code config.json}, a Kubernetes
 * {@code kubernetes.io/dockerconfigjson} secret payload (the same JSON), or the legacy {@code .dockercfg} form.
 * Keys such as {@code https://index.docker.io/v1/} are normalised to the registry name ({@code docker.io}).
 * Errors never quote the file's content.
 */
public final class RegistryCredentials {
    public static final String DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson";
    public static final String DOCKER_CFG_TYPE = "kubernetes.io/dockercfg";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<String, Credentials> byRegistry;

    private RegistryCredentials(Map<String, Credentials> byRegistry) {
        this.byRegistry = Map.copyOf(byRegistry);
    }

    public static RegistryCredentials none() {
        return new RegistryCredentials(Map.of());
    }

    /** One registry's credentials. */
    public static RegistryCredentials of(String registry, Credentials credentials) {
        return new RegistryCredentials(Map.of(key(registry), credentials));
    }

    /** Reads a Docker config.json; a missing file gives no credentials. */
    public static RegistryCredentials fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return none();
        }
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.cannotRead("Docker config", file, e));
        }
    }

    /**
     * Parses a {@code config.json} / {@code .dockerconfigjson} payload ({@code {"auths": {...}}}) or a legacy
     * {@code .dockercfg} payload (the map without {@code auths}).
     */
    public static RegistryCredentials parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + " must be a JSON object");
        }
        JsonNode auths = root.has("auths") ? root.get("auths") : root.has("credsStore") || root.has("credHelpers")
                ? MAPPER.createObjectNode() : root;
        if (!auths.isObject()) {
            throw new IllegalArgumentException(source + ": \"auths\" must be an object");
        }
        Map<String, Credentials> out = new LinkedHashMap<>();
        for (var e : auths.properties()) {
            JsonNode entry = e.getValue();
            if (!entry.isObject()) {
                throw new IllegalArgumentException(source + ": the entry for " + e.getKey() + " must be an object");
            }
            String user = text(entry, "username");
            String password = text(entry, "password");
            String auth = text(entry, "auth");
            if (auth != null && !auth.isEmpty()) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(source + ": the \"auth\" of " + e.getKey() + " is not base64");
                }
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException(source + ": the \"auth\" of " + e.getKey()
                            + " is not base64 of user:password");
                }
                user = decoded.substring(0, colon);
                password = decoded.substring(colon + 1);
            }
            String identityToken = text(entry, "identitytoken");
            if ((user == null || user.isEmpty()) && identityToken == null) {
                continue; // an entry that only says "logged in with a helper"
            }
            out.put(key(e.getKey()), new Credentials(user, password, identityToken));
        }
        return new RegistryCredentials(out);
    }

    /**
     * Reads a Kubernetes image pull secret's {@code data} (values base64, as the API returns them) of type
     * {@code kubernetes.io/dockerconfigjson} or {@code kubernetes.io/dockercfg}.
     */
    public static RegistryCredentials fromSecret(String type, Map<String, String> data, String secretName) {
        String key = DOCKER_CONFIG_JSON_TYPE.equals(type) ? ".dockerconfigjson"
                : DOCKER_CFG_TYPE.equals(type) ? ".dockercfg" : null;
        if (key == null) {
            throw new IllegalArgumentException("secret " + secretName + " has type " + type + ", not "
                    + DOCKER_CONFIG_JSON_TYPE);
        }
        String value = data == null ? null : data.get(key);
        if (value == null) {
            throw new IllegalArgumentException("secret " + secretName + " has no " + key + " key");
        }
        byte[] json;
        try {
            json = Base64.getDecoder().decode(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("secret " + secretName + ": " + key + " is not base64");
        }
        return parse(json, "secret " + secretName);
    }

    /** These credentials, with {@code other}'s entries winning where both name a registry. */
    public RegistryCredentials with(RegistryCredentials other) {
        Map<String, Credentials> m = new LinkedHashMap<>(byRegistry);
        m.putAll(other.byRegistry);
        return new RegistryCredentials(m);
    }

    /** The credentials for registry {@code registry} (a name such as {@code docker.io} or {@code host:5000}). */
    public Optional<Credentials> find(String registry) {
        return Optional.ofNullable(byRegistry.get(key(registry)));
    }

    public int size() {
        return byRegistry.size();
    }

    /** {@code https://index.docker.io/v1/} → {@code docker.io}; {@code http://host:5000/v2/} → {@code host:5000}. */
    static String key(String raw) {
        String k = raw.strip().toLowerCase(Locale.ROOT);
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return ImageReference.normaliseRegistry(k);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public String toString() {
        return "RegistryCredentials" + byRegistry.keySet();
    }
}
