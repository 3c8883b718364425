package dev.safeupdater.inventory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One revision of a Helm release, read from its Secret {@code sh.helm.release.v1.NAME.vREVISION}: the Secret's
 * {@code data.release} is (after the Secret's own base64) base64 of gzip of the release JSON. Only the fields the
 * inventory needs are kept; templates, files, values, the manifest and the user-supplied config (which may hold
 * secrets) are skipped while streaming.
 */
record HelmRelease(String namespace, String name, int revision, String status, String chartName, String chartVersion,
                   String appVersion, Map<String, String> chartAnnotations, Map<String, String> labels,
                   String lastDeployed) {
    static final String SECRET_TYPE = "helm.sh/release.v1";
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};

    /** Decodes a release Secret (as JSON); throws {@link IllegalArgumentException} when it is not a readable one. */
    static HelmRelease fromSecret(JsonNode secret) {
        String type = secret.path("type").asText("");
        if (!SECRET_TYPE.equals(type)) {
            throw new IllegalArgumentException("not a Helm release Secret (type " + type + ")");
        }
        String data = secret.path("data").path("release").asText("");
        if (data.isEmpty()) {
            throw new IllegalArgumentException("has no data.release");
        }
        byte[] helmText = Base64.getDecoder().decode(data);         // the Secret's own encoding
        byte[] packed = Base64.getMimeDecoder().decode(helmText);   // Helm's base64
        try (InputStream in = isGzip(packed) ? new GZIPInputStream(new ByteArrayInputStream(packed))
                : new ByteArrayInputStream(packed);
             JsonParser p = KubeApi.MAPPER.getFactory().createParser(in)) {
            return read(p, secret.path("metadata").path("namespace").asText(""));
        } catch (IOException e) {
            throw new IllegalArgumentException("release data cannot be read: " + e.getMessage());
        }
    }

    private static HelmRelease read(JsonParser p, String secretNamespace) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("release is not a JSON object");
        }
        String name = null;
        String namespace = null;
        int revision = 0;
        JsonNode info = null;
        JsonNode metadata = null;
        JsonNode labels = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> name = p.getValueAsString();
                case "namespace" -> namespace = p.getValueAsString();
                case "version" -> revision = p.getValueAsInt();
                case "info" -> info = KubeApi.MAPPER.readTree(p);
                case "labels" -> labels = KubeApi.MAPPER.readTree(p);
                case "chart" -> metadata = chartMetadata(p);
                default -> p.skipChildren();
            }
        }
        if (name == null || name.isEmpty() || metadata == null) {
            throw new IOException("release has no name or no chart metadata");
        }
        return new HelmRelease(namespace == null || namespace.isEmpty() ? secretNamespace : namespace, name, revision,
                info == null ? "unknown" : info.path("status").asText("unknown"),
                metadata.path("name").asText(""), metadata.path("version").asText(""),
                KubeApi.text(metadata, "appVersion"), KubeApi.strings(metadata.path("annotations")), KubeApi.strings(labels),
                info == null ? null : KubeApi.text(info, "last_deployed"));
    }

    private static JsonNode chartMetadata(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        JsonNode metadata = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("metadata")) {
                metadata = KubeApi.MAPPER.readTree(p);
            } else {
                p.skipChildren();
            }
        }
        return metadata;
    }

    private static boolean isGzip(byte[] b) {
        return b.length > 2 && b[0] == GZIP_MAGIC[0] && b[1] == GZIP_MAGIC[1];
    }
}
