package dev.safeupdater.api;

import dev.safeupdater.execution.AuditService;
import dev.safeupdater.model.RunFilter;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/updates}: update runs newest first, filtered ({@code asset, namespace, image, source, scope, state,
 * from, to}) and paged with a cursor, or the whole filtered list as CSV ({@code Accept: text/csv});
 * {@code /{id}}: one run with its decision's rules, approvers, health results, rollback reason and every event.
 */
final class UpdatesResource implements HttpService {
    private final AuditService audit;

    UpdatesResource(AuditService audit) {
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).get("/{id}", this::get);
    }

    static RunFilter filter(ServerRequest req) {
        return new RunFilter(Params.longParam(req, "asset"), Params.string(req, "namespace"),
                Params.string(req, "image"), Params.string(req, "source"), Params.string(req, "scope"),
                AuditService.runState("state", Params.string(req, "state")), Params.instant(req, "from"),
                Params.instant(req, "to"));
    }

    private void list(ServerRequest req, ServerResponse res) {
        RunFilter filter = filter(req);
        if (CsvResponse.wanted(req)) {
            CsvResponse.send(res, "updates", out -> audit.exportUpdates(filter, out));
        } else {
            Json.send(res, 200, audit.updates(filter, Params.string(req, "cursor"), Params.limit(req)));
        }
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, audit.update(Params.pathId(req, "id")));
    }
}
