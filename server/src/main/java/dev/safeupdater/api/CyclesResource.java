package dev.safeupdater.api;

import dev.safeupdater.execution.CycleInProgressException;
import dev.safeupdater.execution.CycleService;
import dev.safeupdater.model.Cycle;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/cycles}: {@code POST} starts a cycle now (202 with {@code Location}; 409 while one runs);
 * {@code GET} lists cycles, newest first; {@code GET /{id}} reads one (state, actor, per-stage timings, counts,
 * errors).
 */
final class CyclesResource implements HttpService {
    private final CycleService cycles;

    CyclesResource(CycleService cycles) {
        this.cycles = cycles;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::start)
                .get("/", this::list)
                .get("/{id}", this::get);
    }

    private void start(ServerRequest req, ServerResponse res) {
        Cycle cycle;
        try {
            cycle = cycles.start(Actors.of(req), "request");
        } catch (CycleInProgressException e) {
            throw new ApiException(409, "Conflict", e.getMessage());
        }
        res.header(HeaderNames.LOCATION, "/api/v1/cycles/" + cycle.id());
        Json.send(res, 202, cycle);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, cycles.list(Params.string(req, "cursor"), Params.limit(req)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, cycles.find(Params.pathId(req, "id")));
    }
}
