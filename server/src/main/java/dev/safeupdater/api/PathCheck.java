package dev.safeupdater.api;

import java.util.List;
import java.util.Locale;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Refuses API paths that a router would rewrite before matching: dot segments ({@code /./}, {@code /../}), matrix
 * parameters ({@code ;x=1}), empty segments and encoded slashes, backslashes or dots. Such a path names a different
 * route than it spells, which is how access checks are sidestepped; no client of this API needs one.
 */
final class PathCheck implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String raw = req.prologue().uriPath().rawPath();
        if ((raw.equals("/api") || raw.startsWith("/api/")) && ambiguous(raw)) {
            Problems.send(res, 400, "Bad request", "the path must not contain dot segments, empty segments,"
                    + " matrix parameters (;) or encoded slashes, backslashes or dots", List.of());
            return;
        }
        chain.proceed();
    }

    static boolean ambiguous(String raw) {
        String lower = raw.toLowerCase(Locale.ROOT);
        if (lower.contains(";") || lower.contains("\\") || lower.contains("%2f") || lower.contains("%5c")
                || lower.contains("%2e") || lower.contains("%25") || lower.contains("//")) {
            return true;
        }
        for (String segment : raw.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }
}
