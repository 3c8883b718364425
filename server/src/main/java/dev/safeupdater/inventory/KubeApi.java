package dev.safeupdater.inventory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.platform.KubernetesConnection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;

/**
 * Raw, streamed reads from the Kubernetes API over fabric8's HTTP client (its authentication, TLS and retries). List
 * responses are parsed item by item, so a page of 500 workloads never exists as 500 typed objects: each item is
 * handed to the caller and dropped (INFRA.md: 13 KiB per typed Deployment).
 */
final class KubeApi {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private final KubernetesClient client;
    private final String base;
    private final long timeoutMs;
    private final AtomicInteger requests = new AtomicInteger();

    KubeApi(KubernetesClient client, long timeoutMs) {
        this.client = client;
        String url = client.getMasterUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.timeoutMs = timeoutMs;
    }

    /** The API answered with an error status. */
    static final class ApiError extends Exception {
        final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** The list metadata of one page. */
    record PageInfo(String resourceVersion, String continueToken, long remainingItemCount) {
    }

    /** A client for {@code connection}; a configuration problem becomes a {@link SourceException} of {@code source}. */
    static KubernetesClient open(KubernetesConnection connection, String source) throws SourceException {
        try {
            return connection.open(source);
        } catch (KubernetesConnection.ConfigurationException e) {
            throw new SourceException(e.getMessage(), e);
        }
    }

    int requests() {
        return requests.get();
    }

    /**
     * GETs one page of a list and hands each item to {@code items}. {@code query} values are URL-encoded here.
     *
     * @throws ApiError for a non-2xx answer (403 forbidden, 404 not served, 410 continue token expired, ...)
     * @throws IOException when the API cannot be reached or the body is not a list
     */
    PageInfo listPage(String path, Map<String, String> query, Consumer<JsonNode> items) throws ApiError, IOException {
        HttpResponse<InputStream> response = send(path, query);
        try (InputStream in = response.body(); JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("GET " + path + ": the answer is not a JSON object");
            }
            String rv = null;
            String cont = null;
            long remaining = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
                    JsonNode meta = MAPPER.readTree(p);
                    rv = text(meta, "resourceVersion");
                    cont = text(meta, "continue");
                    remaining = meta.path("remainingItemCount").asLong(-1);
                } else if (field.equals("items") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        items.accept(MAPPER.readTree(p));
                    }
                } else {
                    p.skipChildren();
                }
            }
            return new PageInfo(rv, cont == null || cont.isEmpty() ? null : cont, remaining);
        }
    }

    /** GETs one object. */
    JsonNode get(String path) throws ApiError, IOException {
        HttpResponse<InputStream> response = send(path, Map.of());
        try (InputStream in = response.body()) {
            return MAPPER.readTree(in);
        }
    }

    private HttpResponse<InputStream> send(String path, Map<String, String> query) throws ApiError, IOException {
        StringBuilder url = new StringBuilder(base).append(path);
        char sep = '?';
        for (Map.Entry<String, String> q : query.entrySet()) {
            url.append(sep).append(q.getKey()).append('=').append(URLEncoder.encode(q.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder().uri(url.toString())
                .header("Accept", "application/json")
                .timeout(timeoutMs, TimeUnit.MILLISECONDS)
                .build();
        requests.incrementAndGet();
        HttpResponse<InputStream> response;
        try {
            response = http.sendAsync(request, InputStream.class).get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException(describe(cause), cause);
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + timeoutMs + " ms", e);
        }
        if (!response.isSuccessful()) {
            String message;
            try (InputStream in = response.body()) {
                JsonNode status = MAPPER.readTree(in.readNBytes(64 * 1024));
                message = status == null ? null : text(status, "message");
            } catch (IOException | RuntimeException e) {
                message = null;
            }
            throw new ApiError(response.code(), "HTTP " + response.code() + (message == null ? "" : ": " + message));
        }
        return response;
    }

    /** A query map that keeps insertion order (expectations in tests match the exact URL). */
    static Map<String, String> query(String... keyValues) {
        Map<String, String> q = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                q.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return q;
    }

    /** The string-valued fields of a JSON object (labels, annotations); empty for anything else. */
    static Map<String, String> strings(JsonNode node) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            return Map.of();
        }
        Map<String, String> m = new java.util.HashMap<>();
        node.properties().forEach(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                m.put(e.getKey(), e.getValue().asText());
            }
        });
        return Map.copyOf(m);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
