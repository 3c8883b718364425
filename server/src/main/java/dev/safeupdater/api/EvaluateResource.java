package dev.safeupdater.api;

import java.util.List;

import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.execution.EvaluateRequest;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.policy.Evaluation;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code POST /api/v1/evaluate}: a dry-run decision for a candidate; nothing is stored. */
final class EvaluateResource implements HttpService {
    private final DecisionService decisions;

    EvaluateResource(DecisionService decisions) {
        this.decisions = decisions;
    }

    /** The rendered answer of an evaluation. */
    record EvaluationView(ChangeType changeType, Outcome outcome, List<String> reasons, List<FiredRule> firedRules,
                          String decidedBy, String rulesetRevision, Candidate candidate) {
        static EvaluationView of(Evaluation e) {
            return new EvaluationView(e.candidate().changeType(), e.outcome(), e.reasons(), e.firedRules(),
                    e.decidedBy(), e.rulesetRevision(), e.candidate());
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::evaluate);
    }

    private void evaluate(ServerRequest req, ServerResponse res) {
        EvaluateRequest body = Json.read(req, EvaluateRequest.class);
        Json.send(res, 200, EvaluationView.of(decisions.evaluate(body)));
    }
}
