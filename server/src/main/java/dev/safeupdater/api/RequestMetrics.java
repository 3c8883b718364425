package dev.safeupdater.api;

import java.time.Duration;
import java.util.List;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.service.registry.Services;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Times every API request into {@code safe_updater_http_request_seconds{method,route,status}}. The route is the
 * {@link Access#TABLE} pattern the call matched (e.g. {@code /api/v1/assets/{id}}; {@code unmatched} for none), never
 * the raw path, so ids do not explode the label set.
 */
final class RequestMetrics implements Filter {
    private record Key(String method, String route, int status) {
    }

    /** Histogram buckets of a request's duration. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    /** Timers by (method, route, status), looked up in the registry once each. */
    private final java.util.Map<Key, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Every route of {@link Access#TABLE} present (empty) from the start with status 200, so rates and alerts work on
     * a fresh server; other statuses appear with their first answer.
     */
    RequestMetrics() {
        for (Access.Rule rule : Access.TABLE) {
            timer(new Key(rule.method(), rule.pattern(), 200));
        }
    }

    private Timer timer(Key key) {
        return timers.computeIfAbsent(key, k -> Services.get(MeterRegistry.class).getOrCreate(
                Timer.builder("safe_updater_http_request")
                        .description("HTTP API request latency")
                        .tags(List.of(Tag.create("method", k.method()), Tag.create("route", k.route()),
                                Tag.create("status", Integer.toString(k.status()))))
                        .publishPercentileHistogram(false)
                        .buckets(BUCKETS)));
    }

    /**
     * The route of the API table the call matched, else {@code unmatched}. Helidon's matching pattern is not used:
     * for a resource registered under a path with a parameter it holds the request's own id.
     */
    static String route(String method, String path) {
        Access.Rule rule = Access.required(method, path);
        return Access.TABLE.contains(rule) ? rule.pattern() : "unmatched"; // HEAD: the GET rule it reads by
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            // req.path() is relative to the matched service by now; the prologue keeps the full path
            String path = req.prologue().uriPath().path();
            if (path.startsWith("/api/")) {
                String method = req.prologue().method().text();
                Key key = new Key(method, route(method, path), res.status().code());
                timer(key).record(Duration.ofNanos(System.nanoTime() - start));
            }
        }
    }
}
