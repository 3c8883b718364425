package dev.safeupdater.api;

import java.util.Locale;

import dev.safeupdater.execution.CycleService;
import dev.safeupdater.model.PlanFilter;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /api/v1/plan}: per tracked asset what the last cycle proposes (current → proposed, change type,
 * outcome, deciding rule, reason, what it waits for, last evaluated), filtered by {@code namespace}, {@code source},
 * {@code outcome} (APPROVE, HOLD, REJECT, NONE), {@code scope}, {@code image}; paged ({@code limit}, {@code cursor})
 * with totals.
 */
final class PlanResource implements HttpService {
    private final CycleService cycles;

    PlanResource(CycleService cycles) {
        this.cycles = cycles;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::plan);
    }

    private void plan(ServerRequest req, ServerResponse res) {
        String outcome = Params.string(req, "outcome");
        PlanFilter filter = new PlanFilter(Params.string(req, "namespace"), Params.string(req, "source"),
                outcome == null ? null : outcome.toUpperCase(Locale.ROOT), Params.string(req, "scope"),
                Params.string(req, "image"));
        Json.send(res, 200, cycles.plan(filter, Params.string(req, "cursor"), Params.limit(req)));
    }
}
