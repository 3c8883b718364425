package dev.safeupdater.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/**
 * Helm 3 release Secrets in Helm's own storage format: Secret {@code sh.helm.release.v1.NAME.vREV}, type
 * {@code helm.sh/release.v1}, labels {@code name, owner=helm, status, version}, and {@code data.release} = base64 (the
 * Secret's encoding) of base64 of gzip of the release JSON, whose fields are those Helm writes (name, namespace,
 * version, info, chart with metadata/templates/values/files, config, manifest, hooks, labels).
 */
public final class HelmReleases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HelmReleases() {
    }

    /** One revision of a release of chart {@code chart} at {@code chartVersion}. */
    public static Secret secret(String namespace, String release, int revision, String status, String chart,
                                String chartVersion, String appVersion, Map<String, String> chartAnnotations) {
        return secret(namespace, release, revision, status, chart, chartVersion, appVersion, chartAnnotations, true);
    }

    public static Secret secret(String namespace, String release, int revision, String status, String chart,
                                String chartVersion, String appVersion, Map<String, String> chartAnnotations,
                                boolean gzip) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", chart);
        metadata.put("version", chartVersion);
        metadata.put("description", "A Helm chart for Kubernetes");
        metadata.put("apiVersion", "v2");
        metadata.put("appVersion", appVersion);
        metadata.put("type", "application");
        if (!chartAnnotations.isEmpty()) {
            metadata.put("annotations", chartAnnotations);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("first_deployed", "2026-01-01T10:00:00.000000000Z");
        info.put("last_deployed", "2026-01-0" + Math.min(9, revision) + "T10:00:00.000000000Z");
        info.put("deleted", "");
        info.put("description", status.equals("failed") ? "Upgrade \"" + release + "\" failed: timed out"
                : "Install complete");
        info.put("status", status);
        info.put("notes", "1. Get the application URL");
        Map<String, Object> rel = new LinkedHashMap<>();
        rel.put("name", release);
        rel.put("info", info);
        rel.put("chart", Map.of(
                "metadata", metadata,
                "lock", Map.of(),
                "templates", List.of(Map.of("name", "templates/deployment.yaml", "data",
                        Base64.getEncoder().encodeToString("kind: Deployment\n".repeat(200)
                                .getBytes(StandardCharsets.UTF_8)))),
                "values", Map.of("replicaCount", 1, "image", Map.of("repository", "nginx")),
                "files", List.of()));
        rel.put("config", Map.of("database", Map.of("password", "s3cret-helm-value")));
        rel.put("manifest", "---\n# Source: " + chart + "/templates/deployment.yaml\nkind: Deployment\n");
        rel.put("hooks", List.of());
        rel.put("version", revision);
        rel.put("namespace", namespace);
        try {
            byte[] json = JSON.writeValueAsBytes(rel);
            byte[] payload = json;
            if (gzip) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                    gz.write(json);
                }
                payload = buf.toByteArray();
            }
            String helmEncoded = Base64.getEncoder().encodeToString(payload);
            return new SecretBuilder().withNewMetadata().withNamespace(namespace)
                    .withName("sh.helm.release.v1." + release + ".v" + revision)
                    .addToLabels("name", release).addToLabels("owner", "helm").addToLabels("status", status)
                    .addToLabels("version", Integer.toString(revision)).endMetadata()
                    .withType("helm.sh/release.v1")
                    .addToData("release", Base64.getEncoder().encodeToString(helmEncoded.getBytes(StandardCharsets.UTF_8)))
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
