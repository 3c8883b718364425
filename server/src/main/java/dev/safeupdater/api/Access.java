package dev.safeupdater.api;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.safeupdater.model.Role;

/**
 * The one table of who may call what: every API route (method and pattern, as registered) with the least role it
 * needs. <b>Deny by default</b>: a route missing here needs {@code admin}; {@code AccessTableTest} compares this table
 * with every route the API registers, so a new route fails the build until it is listed here.
 *
 * <p>To add a route: register it in its resource as usual, then add one line below with the route's full pattern
 * (the prefix it is registered under plus its own path, without a trailing slash) and the role it needs.
 */
public final class Access {
    /** One line of the table. */
    public record Rule(String method, String pattern, Role role) {
        public Rule {
            method = method.toUpperCase(Locale.ROOT);
        }
    }

    /** The routes and the least role each needs. Keep grouped by resource. */
    public static final List<Rule> TABLE = List.of(
            // what-ifs and version views: read-only, nothing stored but registry tag listings
            new Rule("POST", "/api/v1/evaluate", Role.VIEWER),
            new Rule("POST", "/api/v1/versions/candidates", Role.VIEWER),
            new Rule("GET", "/api/v1/tags", Role.VIEWER),
            // assets
            new Rule("GET", "/api/v1/assets", Role.VIEWER),
            new Rule("GET", "/api/v1/assets/{id}", Role.VIEWER),
            new Rule("PUT", "/api/v1/assets", Role.ADMIN),
            new Rule("POST", "/api/v1/assets/{id}/decide", Role.ADMIN),
            // decisions
            new Rule("GET", "/api/v1/decisions", Role.VIEWER),
            new Rule("GET", "/api/v1/decisions/{id}", Role.VIEWER),
            // approvals: reading them is viewing; voting and revoking one's vote is approving
            new Rule("GET", "/api/v1/assets/{assetId}/approvals", Role.VIEWER),
            new Rule("POST", "/api/v1/assets/{assetId}/approvals", Role.APPROVER),
            new Rule("DELETE", "/api/v1/assets/{assetId}/approvals/{approvalId}", Role.APPROVER),
            // rules
            new Rule("GET", "/api/v1/rules", Role.VIEWER),
            new Rule("POST", "/api/v1/rules/reload", Role.ADMIN),
            // scans
            new Rule("GET", "/api/v1/scan", Role.VIEWER),
            new Rule("GET", "/api/v1/scan/{id}", Role.VIEWER),
            new Rule("POST", "/api/v1/scan", Role.ADMIN),
            // cycles: reading them is viewing; starting one is operating
            new Rule("GET", "/api/v1/cycles", Role.VIEWER),
            new Rule("GET", "/api/v1/cycles/{id}", Role.VIEWER),
            new Rule("POST", "/api/v1/cycles", Role.ADMIN),
            new Rule("GET", "/api/v1/plan", Role.VIEWER),
            // pins: versions never to propose again for an asset
            new Rule("GET", "/api/v1/pins", Role.VIEWER),
            new Rule("POST", "/api/v1/pins", Role.ADMIN),
            new Rule("DELETE", "/api/v1/pins/{id}", Role.ADMIN),
            // update runs (read side) and the approvals queue
            new Rule("GET", "/api/v1/updates", Role.VIEWER),
            new Rule("GET", "/api/v1/updates/{id}", Role.VIEWER),
            new Rule("GET", "/api/v1/approvals", Role.VIEWER),
            new Rule("POST", "/api/v1/decisions/{id}/approve", Role.APPROVER),
            new Rule("POST", "/api/v1/decisions/{id}/reject", Role.APPROVER),
            // history for auditors (any listing asked for as text/csv needs auditor too, see export)
            new Rule("GET", "/api/v1/audit-events", Role.AUDITOR),
            // notifications (audit material)
            new Rule("GET", "/api/v1/notifications", Role.AUDITOR),
            new Rule("GET", "/api/v1/notifications/deliveries", Role.AUDITOR),
            new Rule("GET", "/api/v1/notifications/deliveries/{id}", Role.AUDITOR));

    /** The metrics scrape, when {@code metrics.require-token} is on. */
    static final Rule METRICS = new Rule("GET", "/observe/metrics", Role.VIEWER);

    private static final List<Compiled> COMPILED = TABLE.stream().map(Compiled::of).toList();

    private record Compiled(Rule rule, Pattern regex) {
        static Compiled of(Rule r) {
            return new Compiled(r, Access.regex(r.pattern()));
        }
    }

    private Access() {
    }

    /** What a call needs: the matching rule, or an admin-only rule for the path itself when none matches. */
    static Rule required(String method, String path) {
        String m = method.toUpperCase(Locale.ROOT);
        String p = normalize(path);
        for (Compiled c : COMPILED) {
            // HEAD reads what GET reads
            if ((c.rule().method().equals(m) || (m.equals("HEAD") && c.rule().method().equals("GET")))
                    && c.regex().matcher(p).matches()) {
                return c.rule();
            }
        }
        return new Rule(m, p, Role.ADMIN);
    }

    /** The rule for a listing exported as CSV: at least auditor. */
    static Rule export(Rule rule) {
        return rule.role().includes(Role.AUDITOR) ? rule : new Rule(rule.method(), rule.pattern(), Role.AUDITOR);
    }

    /** A route pattern without its trailing slash ({@code /api/v1/assets/} is {@code /api/v1/assets}). */
    static String normalize(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** {@code {name}} matches one path segment; anything else matches itself. */
    private static Pattern regex(String pattern) {
        StringBuilder sb = new StringBuilder();
        for (String part : pattern.split("(?=\\{)|(?<=})")) {
            if (part.startsWith("{") && part.endsWith("}")) {
                sb.append("[^/]+");
            } else {
                sb.append(Pattern.quote(part));
            }
        }
        return Pattern.compile(sb.toString());
    }
}
