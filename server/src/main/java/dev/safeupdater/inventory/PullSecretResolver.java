package dev.safeupdater.inventory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the pull secrets workloads refer to and turns them into registry credentials. Used only when a source sets
 * {@code pullSecrets: true}; a secret the service account may not read (403) or that is not a Docker config secret is
 * reported as a warning and skipped. Nothing read here is logged or stored.
 */
final class PullSecretResolver {
    private final KubeApi api;
    private final String cluster;

    PullSecretResolver(KubeApi api, String cluster) {
        this.api = api;
        this.cluster = cluster;
    }

    /** @param refs {@code namespace/name} references */
    List<PullSecret> resolve(Collection<String> refs, List<String> warnings) throws SourceException {
        List<PullSecret> out = new ArrayList<>();
        for (String ref : refs) {
            int slash = ref.indexOf('/');
            String ns = ref.substring(0, slash);
            String name = ref.substring(slash + 1);
            JsonNode secret;
            try {
                secret = api.get("/api/v1/namespaces/" + ns + "/secrets/" + name);
            } catch (KubeApi.ApiError e) {
                warnings.add("pull secret " + ref + " not read (" + e.getMessage() + ")");
                continue;
            } catch (IOException e) {
                throw new SourceException(cluster + ": cannot read pull secret " + ref + ": " + e.getMessage(), e);
            }
            try {
                List<RegistryCredential> creds = credentials(secret);
                if (creds.isEmpty()) {
                    warnings.add("pull secret " + ref + " holds no registry credentials (type "
                            + secret.path("type").asText("?") + ")");
                } else {
                    out.add(new PullSecret(cluster, ns, name, creds));
                }
            } catch (IllegalArgumentException e) {
                warnings.add("pull secret " + ref + " cannot be read: " + e.getMessage());
            }
        }
        return out;
    }

    /** The credentials in a {@code kubernetes.io/dockerconfigjson} or {@code kubernetes.io/dockercfg} secret. */
    static List<RegistryCredential> credentials(JsonNode secret) {
        JsonNode data = secret.path("data");
        JsonNode auths;
        if (data.has(".dockerconfigjson")) {
            auths = decodeJson(data.get(".dockerconfigjson").asText()).path("auths");
        } else if (data.has(".dockercfg")) {
            auths = decodeJson(data.get(".dockercfg").asText());
        } else {
            return List.of();
        }
        List<RegistryCredential> out = new ArrayList<>();
        auths.properties().forEach(e -> {
            JsonNode a = e.getValue();
            String user = KubeApi.text(a, "username");
            String pass = KubeApi.text(a, "password");
            String auth = KubeApi.text(a, "auth");
            if ((user == null || pass == null) && auth != null) {
                String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    user = decoded.substring(0, colon);
                    pass = decoded.substring(colon + 1);
                }
            }
            String token = KubeApi.text(a, "identitytoken");
            if ((user != null && pass != null) || token != null) {
                out.add(new RegistryCredential(registryHost(e.getKey()), user, pass, token));
            }
        });
        return out;
    }

    /** {@code https://index.docker.io/v1/} → {@code docker.io}; {@code ghcr.io} stays. */
    static String registryHost(String key) {
        String k = key.strip();
        if (k.contains("://")) {
            URI u = URI.create(k);
            k = u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
        } else if (k.indexOf('/') > 0) {
            k = k.substring(0, k.indexOf('/'));
        }
        return k.equals("index.docker.io") || k.equals("registry-1.docker.io") ? "docker.io" : k;
    }

    private static JsonNode decodeJson(String base64) {
        try {
            return KubeApi.MAPPER.readTree(Base64.getDecoder().decode(base64));
        } catch (IOException e) {
            throw new IllegalArgumentException("its Docker configuration is not JSON");
        }
    }
}
