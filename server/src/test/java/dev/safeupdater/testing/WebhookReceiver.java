package dev.safeupdater.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver for tests: a JDK HTTP server on a free 127.0.0.1 port that records every request and answers
 * as {@code behaviour} says for the n-th request (1 first): a status code, optionally after a delay.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** How to answer one request. */
    public record Answer(int status, Duration delay, String body, Map<String, String> headers) {
        public static Answer status(int status) {
            return new Answer(status, Duration.ZERO, "", Map.of());
        }

        public static Answer slow(int status, Duration delay) {
            return new Answer(status, delay, "", Map.of());
        }
    }

    /** One request received: headers (lower-case names) and body. */
    public record Request(Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.getFirst();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }
    }

    private final HttpServer server;
    private final BlockingQueue<Request> received = new LinkedBlockingQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    private WebhookReceiver(IntFunction<Answer> behaviour) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Map<String, List<String>> headers = new java.util.HashMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT),
                        List.copyOf(v)));
                received.add(new Request(headers, body));
                Answer a = behaviour.apply(count.incrementAndGet());
                if (!a.delay().isZero()) {
                    try {
                        Thread.sleep(a.delay());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
                if (out.length > 0) {
                    try (OutputStream os = exchange.getResponseBody()) {
                        os.write(out);
                    }
                }
            } catch (IOException e) {
                // the client gave up (timeout): nothing to answer
            }
        });
        server.start();
    }

    /** Starts a receiver; {@code behaviour} answers the n-th request. */
    public static WebhookReceiver start(IntFunction<Answer> behaviour) {
        try {
            return new WebhookReceiver(behaviour);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts a receiver that answers every request with {@code status}. */
    public static WebhookReceiver answering(int status) {
        return start(n -> Answer.status(status));
    }

    /** The receiver's URL with {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next request received, waiting up to {@code timeout}; fails the test when none comes. */
    public Request next(Duration timeout) {
        try {
            Request r = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) {
                throw new AssertionError("no webhook request within " + timeout);
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next request if one arrives within {@code timeout}, else null. */
    public Request poll(Duration timeout) {
        try {
            return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** How many requests arrived so far. */
    public int count() {
        return count.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
