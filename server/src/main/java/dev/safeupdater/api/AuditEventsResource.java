package dev.safeupdater.api;

import dev.safeupdater.execution.AuditService;
import dev.safeupdater.model.AuditEventFilter;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/audit-events}: the audit trail newest first, filtered ({@code actor, action} — exact, or a prefix
 * ending in a dot such as {@code approval.} — {@code resourceType, resourceId, from, to}) and paged with a cursor, or
 * the whole filtered list as CSV ({@code Accept: text/csv}).
 */
final class AuditEventsResource implements HttpService {
    private final AuditService audit;

    AuditEventsResource(AuditService audit) {
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        AuditEventFilter filter = new AuditEventFilter(Params.string(req, "actor"), Params.string(req, "action"),
                Params.string(req, "resourceType"), Params.string(req, "resourceId"), Params.instant(req, "from"),
                Params.instant(req, "to"));
        if (CsvResponse.wanted(req)) {
            CsvResponse.send(res, "audit-events", out -> audit.exportAuditEvents(filter, out));
        } else {
            Json.send(res, 200, audit.auditEvents(filter, Params.string(req, "cursor"), Params.limit(req)));
        }
    }
}
