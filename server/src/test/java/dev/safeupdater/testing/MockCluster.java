package dev.safeupdater.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import io.fabric8.zjsonpatch.JsonPatchException;

/**
 * fabric8's Kubernetes mock server in CRUD mode, on a free 127.0.0.1 port: no real API server can run on this
 * machine (INFRA.md), so every Kubernetes and Helm test runs against this. Expectations ({@link #server()}
 * {@code .expect()}) take precedence over the CRUD store for the exact method and path they name; everything else is
 * answered from the store ({@link #startPaging()} adds real limit/continue paging on top of it; a JSON patch
 * whose {@code test} operation fails is answered 422 like a real API server). Fixtures go into the store directly
 * ({@link #put}), the way a create stores them, without the per-create scan of the whole store.
 */
public final class MockCluster implements AutoCloseable {
    private final Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    private final KubernetesMockServer server;
    private final NamespacedKubernetesClient client;
    private final boolean paging;
    /** List snapshots being paged through, by list path without limit/continue. */
    private final Map<String, ListSnapshot> snapshots = new ConcurrentHashMap<>();

    /** The PATCH requests received, in order (the dispatchers consume request bodies). */
    private final List<Patch> patches = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A PATCH request as sent: path, content type, body. */
    public record Patch(String path, String contentType, String body) {
    }

    private record ListSnapshot(String resourceVersion, List<String> items) {
    }

    private MockCluster(boolean paging) {
        this.paging = paging;
        MockDispatcher expected = new MockDispatcher(expectations);
        Dispatcher mixed = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getMethod().equals("PATCH")) {
                    patches.add(new Patch(request.getPath(), request.getHeader("Content-Type"),
                            new String(request.getBody().getBytes(), StandardCharsets.UTF_8)));
                }
                Queue<ServerResponse> q = expectations.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()),
                        request.getPath()));
                if (q != null && !q.isEmpty()) {
                    return expected.dispatch(request);
                }
                if (MockCluster.this.paging && request.getMethod().equals("GET")
                        && request.getPath().contains("limit=") && !request.getPath().contains("watch=")) {
                    return page(request);
                }
                try {
                    return crud.dispatch(request);
                } catch (JsonPatchException e) {
                    // the CRUD store applies JSON patches with their test operations but leaves a failed test
                    // unanswered; answer 422 Invalid as a real API server does
                    return new MockResponse().setResponseCode(422).setHeader("Content-Type", "application/json")
                            .setBody(new ObjectMapper().createObjectNode().put("kind", "Status").put("apiVersion", "v1")
                                    .put("status", "Failure").put("reason", "Invalid").put("code", 422)
                                    .put("message", "the server rejected our request due to an error in our request: "
                                            + e.getMessage()).toString());
                }
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, mixed, false);
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        client = server.createClient();
    }

    public static MockCluster start() {
        return new MockCluster(false);
    }

    /**
     * A mock that pages lists like a real API server: {@code limit} items per answer, an opaque {@code continue}
     * token and {@code remainingItemCount}, all pages from the snapshot taken by the first request (the CRUD mode
     * alone ignores limit/continue and answers one page).
     */
    public static MockCluster startPaging() {
        return new MockCluster(true);
    }

    private MockResponse page(RecordedRequest request) {
        String path = request.getPath();
        int q = path.indexOf('?');
        String base = path.substring(0, q);
        Map<String, String> params = new LinkedHashMap<>();
        for (String kv : path.substring(q + 1).split("&")) {
            int eq = kv.indexOf('=');
            params.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        int limit = Integer.parseInt(params.remove("limit"));
        String cont = params.remove("continue");
        String key = base + params;
        ListSnapshot snapshot;
        if (cont == null) {
            MockResponse full = crud.dispatch(request);
            if (!full.getStatus().contains(" 200")) {
                return full;
            }
            snapshot = split(full.getBody().getBytes());
            snapshots.put(key, snapshot);
        } else {
            snapshot = snapshots.get(key);
            if (snapshot == null) {
                return new MockResponse().setResponseCode(410).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        + "\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410,"
                        + "\"message\":\"The provided continue parameter is too old\"}");
            }
        }
        int from = cont == null ? 0 : Integer.parseInt(cont);
        int to = Math.min(snapshot.items().size(), from + limit);
        StringBuilder body = new StringBuilder("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"metadata\":{")
                .append("\"resourceVersion\":\"").append(snapshot.resourceVersion()).append('"');
        if (to < snapshot.items().size()) {
            body.append(",\"continue\":\"").append(to).append("\",\"remainingItemCount\":")
                    .append(snapshot.items().size() - to);
        }
        body.append("},\"items\":[").append(String.join(",", snapshot.items().subList(from, to))).append("]}");
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody(body.toString());
    }

    private static ListSnapshot split(byte[] list) {
        ObjectMapper json = new ObjectMapper();
        List<String> items = new ArrayList<>();
        String rv = "";
        try (JsonParser p = json.getFactory().createParser(list)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("items") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        items.add(json.readTree(p).toString());
                    }
                } else if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
                    rv = json.<com.fasterxml.jackson.databind.JsonNode>readTree(p).path("resourceVersion").asText("");
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("the CRUD store answered a list that is not JSON", e);
        }
        return new ListSnapshot(rv, items);
    }

    public KubernetesMockServer server() {
        return server;
    }

    /** A client of the mock (for tests that change things the way kubectl would, producing watch events). */
    public NamespacedKubernetesClient client() {
        return client;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** The PATCH requests received so far, whether the store or an expectation answered them. */
    public List<Patch> patches() {
        return List.copyOf(patches);
    }

    /** Requests the server has received so far. */
    public int requests() {
        return server.getRequestCount();
    }

    /** Stores {@code resource} as a create would (uid, resourceVersion, creationTimestamp), without a request. */
    public void put(HasMetadata resource) {
        var meta = resource.getMetadata();
        if (meta.getUid() == null) {
            meta.setUid(UUID.randomUUID().toString());
        }
        meta.setResourceVersion(Long.toString(crud.requestResourceVersion()));
        if (meta.getCreationTimestamp() == null) {
            meta.setCreationTimestamp("2026-01-01T00:00:00Z");
        }
        if (meta.getGeneration() == null) {
            meta.setGeneration(1L);
        }
        String json = client.getKubernetesSerialization().asJson(resource);
        String api = resource.getApiVersion().contains("/") ? "/apis/" + resource.getApiVersion()
                : "/api/" + resource.getApiVersion();
        String plural = HasMetadata.getPlural(resource.getClass());
        String path = meta.getNamespace() == null ? api + "/" + plural
                : api + "/namespaces/" + meta.getNamespace() + "/" + plural;
        // the key a POST to that path would be stored under
        AttributeSet key = crud.getKey(path).add(new Attribute(KubernetesAttributesExtractor.NAME, meta.getName()));
        crud.processEvent(path, key, null,
                client.getKubernetesSerialization().unmarshal(json, GenericKubernetesResource.class), json);
    }

    /** Writes a kubeconfig for this server with one context named {@code context}; returns its path. */
    public Path kubeconfig(Path dir, String context) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                users:
                - name: tester
                  user:
                    token: not-a-real-token
                contexts:
                - name: %s
                  context:
                    cluster: mock
                    user: tester
                current-context: %s
                """.formatted(url(), context, context);
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("kubeconfig-" + context);
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops answering: connections are refused from now on. */
    public void stop() {
        server.shutdown();
    }

    @Override
    public void close() {
        client.close();
        server.shutdown();
    }
}
