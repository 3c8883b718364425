package dev.safeupdater.api;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.safeupdater.execution.AccessControl;
import dev.safeupdater.execution.AccessControl.Caller;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Checks every {@code /api} call (and the metrics scrape when {@code metrics.require-token} is on) against
 * {@link Access}: no or an unknown bearer token is a 401 with {@code WWW-Authenticate}, a role too weak for the route
 * a 403; refused calls are counted and refused mutations audited. The caller is put in the request context, where
 * {@link Actors} finds it. Without tokens configured everything passes.
 */
final class Authentication implements Filter {
    private static final String REALM = "Bearer realm=\"safe-updater\"";

    private final AccessControl access;
    private final boolean metricsNeedToken;

    Authentication(AccessControl access, boolean metricsNeedToken) {
        this.access = access;
        this.metricsNeedToken = metricsNeedToken;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.prologue().uriPath().path();
        boolean api = path.equals("/api") || path.startsWith("/api/");
        boolean metrics = metricsNeedToken && (path.equals("/observe/metrics") || path.startsWith("/observe/metrics/"));
        if (!access.required() || !(api || metrics)) {
            chain.proceed();
            return;
        }
        String method = req.prologue().method().text();
        Access.Rule rule = metrics ? Access.METRICS : Access.required(method, path);
        if (!metrics && req.headers().first(HeaderNames.ACCEPT).map(a -> a.toLowerCase(java.util.Locale.ROOT)
                .contains("text/csv")).orElse(false)) {
            rule = Access.export(rule); // a whole listing as CSV is an export: auditors' material
        }
        Optional<String> token = bearer(req);
        if (token.isEmpty()) {
            access.refused("anonymous", method, rule.pattern(), path, 401, rule.role());
            res.header(HeaderNames.WWW_AUTHENTICATE, REALM);
            Problems.send(res, 401, "Unauthorized", "this API needs a bearer token: Authorization: Bearer <token>",
                    List.of());
            return;
        }
        Optional<Caller> caller = access.authenticate(token.get());
        if (caller.isEmpty()) {
            access.refused("anonymous", method, rule.pattern(), path, 401, rule.role());
            res.header(HeaderNames.WWW_AUTHENTICATE, REALM + ", error=\"invalid_token\"");
            Problems.send(res, 401, "Unauthorized", "the bearer token is not valid", List.of());
            return;
        }
        Caller c = caller.get();
        if (!c.role().includes(rule.role())) {
            access.refused(c.name(), method, rule.pattern(), path, 403, rule.role());
            Problems.send(res, 403, "Forbidden", method + " " + rule.pattern() + " needs the role "
                    + rule.role().id() + "; the token \"" + c.name() + "\" has " + c.role().id(), List.of());
            return;
        }
        req.context().register(c);
        chain.proceed();
    }

    /** The token of an {@code Authorization: Bearer <token>} header (scheme in any case). */
    private static Optional<String> bearer(RoutingRequest req) {
        Optional<String> h = req.headers().first(HeaderNames.AUTHORIZATION);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        String v = h.get().strip();
        if (v.length() < 7 || !v.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return Optional.empty();
        }
        String t = v.substring(7).strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }
}
