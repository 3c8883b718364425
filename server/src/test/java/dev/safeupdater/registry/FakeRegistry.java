package dev.safeupdater.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A JDK HttpServer standing in for a registry where the real one cannot produce a fault: 429 with Retry-After,
 * 5xx, slow answers, Link paging, ETags, redirects, token refresh. Each test installs its handler; every request is
 * recorded (method, path with query, Authorization).
 */
final class FakeRegistry implements AutoCloseable {
    /** One recorded request. */
    record Request(String method, String pathAndQuery, String authorization, String ifNoneMatch, long nanoTime) {
    }

    interface Handler {
        void handle(HttpExchange ex, int requestNumber) throws IOException;
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Handler handler = (ex, n) -> send(ex, 404, "{}");

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            try (ex) {
                var uri = ex.getRequestURI();
                requests.add(new Request(ex.getRequestMethod(), uri.getRawPath()
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()),
                        ex.getRequestHeaders().getFirst("Authorization"),
                        ex.getRequestHeaders().getFirst("If-None-Match"), System.nanoTime()));
                handler.handle(ex, requests.size());
            } catch (RuntimeException e) {
                send(ex, 500, "{\"errors\":[{\"code\":\"TEST\",\"message\":\"" + e + "\"}]}");
            }
        });
        server.start();
    }

    void handler(Handler h) {
        this.handler = h;
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        if (!ex.getResponseHeaders().containsKey("Content-Type")) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
        }
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
