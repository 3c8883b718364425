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
 * matched pattern (e.g. {@code /api/v1/assets/{id}}), never the raw path, so ids do not explode the label set.
 */
final class RequestMetrics implements Filter {
    private record Key(String method, String route, int status) {
    }

    /** Timers by (method, route, status), looked up in the registry once each. */
    private final java.util.Map<Key, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            // req.path() is relative to the matched service by now; the prologue keeps the full path
            String path = req.prologue().uriPath().path();
            if (path.startsWith("/api/")) {
                Key key = new Key(req.prologue().method().text(), req.matchingPattern().orElse("unmatched"),
                        res.status().code());
                timers.computeIfAbsent(key, k -> Services.get(MeterRegistry.class).getOrCreate(
                                Timer.builder("safe_updater_http_request")
                                        .description("HTTP API request latency")
                                        .tags(List.of(Tag.create("method", k.method()), Tag.create("route", k.route()),
                                                Tag.create("status", Integer.toString(k.status()))))
                                        .publishPercentileHistogram(false)))
                        .record(Duration.ofNanos(System.nanoTime() - start));
            }
        }
    }
}
