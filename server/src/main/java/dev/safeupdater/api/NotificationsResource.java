package dev.safeupdater.api;

import dev.safeupdater.execution.NotificationService;
import dev.safeupdater.model.NotificationDelivery;
import dev.safeupdater.model.NotificationEventType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/notifications}: what is configured (receivers without URL paths or secrets, routes, delivery knobs,
 * deliveries by status); {@code /deliveries}: every delivery newest first, filtered (status, event, receiver, scope,
 * asset, from, to) and paged; {@code /deliveries/{id}}: one delivery with the event it carries and every attempt.
 * Read-only (role: auditor).
 */
final class NotificationsResource implements HttpService {
    private final NotificationService notifications;

    NotificationsResource(NotificationService notifications) {
        this.notifications = notifications;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::overview)
                .get("/deliveries", this::list)
                .get("/deliveries/{id}", this::get);
    }

    private void overview(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, notifications.overview());
    }

    private void list(ServerRequest req, ServerResponse res) {
        NotificationDelivery.Filter filter = new NotificationDelivery.Filter(
                Params.enumParam(req, "status", NotificationDelivery.Status.class),
                event(req),
                Params.string(req, "receiver"),
                Params.string(req, "scope"),
                Params.longParam(req, "asset"),
                Params.instant(req, "from"),
                Params.instant(req, "to"));
        Json.send(res, 200, notifications.deliveries(filter, Params.string(req, "cursor"), Params.limit(req)));
    }

    private static NotificationEventType event(ServerRequest req) {
        String v = Params.string(req, "event");
        if (v == null) {
            return null;
        }
        NotificationEventType t = NotificationEventType.fromId(v);
        if (t == null) {
            throw ApiException.invalidField("event", "must be one of " + String.join(", ", NotificationEventType.ids()));
        }
        return t;
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, notifications.delivery(Params.pathId(req, "id")));
    }
}
