package dev.safeupdater.api;

import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.store.DecisionFilter;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /api/v1/decisions}: stored decisions, newest first, filtered and paged with a cursor. */
final class DecisionsResource implements HttpService {
    private final DecisionService decisions;

    DecisionsResource(DecisionService decisions) {
        this.decisions = decisions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).get("/{id}", this::get);
    }

    private void list(ServerRequest req, ServerResponse res) {
        DecisionFilter filter = new DecisionFilter(Params.longParam(req, "asset"),
                Params.enumParam(req, "outcome", Outcome.class),
                Params.instant(req, "from"),
                Params.instant(req, "to"));
        Json.send(res, 200, decisions.list(filter, Params.string(req, "cursor"), Params.limit(req)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, decisions.find(Params.pathId(req, "id")));
    }
}
