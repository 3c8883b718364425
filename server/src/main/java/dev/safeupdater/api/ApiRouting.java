package dev.safeupdater.api;

import dev.safeupdater.execution.AccessControl;
import dev.safeupdater.execution.Services;
import io.helidon.webserver.http.HttpRouting;

/** Registers the whole HTTP API on a routing; the server and the tests use this same method. */
public final class ApiRouting {
    private ApiRouting() {
    }

    /** The API without authentication (no tokens configured). */
    public static void register(HttpRouting.Builder routing, Services services) {
        register(routing, services, AccessControl.open(), false);
    }

    /**
     * The API with every call checked against {@link Access} by {@code access} (and the metrics scrape too when
     * {@code metricsNeedToken}).
     */
    public static void register(HttpRouting.Builder routing, Services services, AccessControl access,
                                boolean metricsNeedToken) {
        routing.addFilter(new RequestMetrics());
        routing.addFilter(new PathCheck());
        routing.addFilter(new Authentication(access, metricsNeedToken));
        Problems.register(routing);
        routing.register("/api/v1/evaluate", new EvaluateResource(services.decisions()))
                .register("/api/v1/assets", new AssetsResource(services.assets(), services.decisions()))
                .register("/api/v1/decisions", new DecisionsResource(services.decisions(), services.audit(),
                        services.approvals()))
                .register("/api/v1/assets/{assetId}/approvals", new ApprovalsResource(services.decisions()))
                .register("/api/v1/rules", new RulesResource(services.policyAdmin()))
                .register("/api/v1/versions", new VersionsResource(services.versions()))
                .register("/api/v1/tags", new TagsResource(services.tags()))
                .register("/api/v1/scan", new ScanResource(services.scans()))
                .register("/api/v1/notifications", new NotificationsResource(services.notifications()))
                .register("/api/v1/pins", new PinsResource(services.rollouts() == null ? null
                        : services.rollouts().pins()))
                .register("/api/v1/cycles", new CyclesResource(services.cycles()))
                .register("/api/v1/plan", new PlanResource(services.cycles()))
                .register("/api/v1/updates", new UpdatesResource(services.audit()))
                .register("/api/v1/audit-events", new AuditEventsResource(services.audit()))
                .register("/api/v1/approvals", new ApprovalQueueResource(services.approvals()))
                .any("/api/*", (req, res) -> Problems.send(res, 404, "Not found",
                        "no API resource " + req.prologue().method().text() + " " + req.path().path(),
                        java.util.List.of()));
    }
}
