package dev.safeupdater.api;

import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.execution.EvaluateRequest;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /api/v1/evaluate}: a what-if decision for a candidate, explained — every rule that fired with its
 * reason and metadata, the scope that matched and why, the final outcome and the rule that decided it. Nothing is
 * stored.
 */
final class EvaluateResource implements HttpService {
    private final DecisionService decisions;

    EvaluateResource(DecisionService decisions) {
        this.decisions = decisions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::evaluate);
    }

    private void evaluate(ServerRequest req, ServerResponse res) {
        EvaluateRequest body = Json.read(req, EvaluateRequest.class);
        Json.send(res, 200, decisions.evaluate(body).explanation());
    }
}
