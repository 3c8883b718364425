package dev.safeupdater.api;

import dev.safeupdater.execution.ApprovalService;
import dev.safeupdater.execution.AuditService;
import dev.safeupdater.execution.VoteRequest;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.DecisionFilter;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/decisions}: stored decisions, newest first, filtered (asset, outcome, from, to, mode, scope,
 * namespace, image, source, rule — any rule that fired — and actor) and paged with a cursor, or the whole filtered
 * list as CSV ({@code Accept: text/csv}); {@code /{id}} returns everything recorded with one decision;
 * {@code POST /{id}/approve} and {@code /{id}/reject} (body {@code {"comment": "…"}}, optional) vote on a held
 * decision as the caller (anonymous votes are refused); a rejection pins the version for the asset.
 */
final class DecisionsResource implements HttpService {
    private final DecisionService decisions;
    private final AuditService audit;
    private final ApprovalService approvals;

    DecisionsResource(DecisionService decisions, AuditService audit, ApprovalService approvals) {
        this.decisions = decisions;
        this.audit = audit;
        this.approvals = approvals;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).get("/{id}", this::get)
                .post("/{id}/approve", (req, res) -> vote(req, res, true))
                .post("/{id}/reject", (req, res) -> vote(req, res, false));
    }

    private void list(ServerRequest req, ServerResponse res) {
        DecisionFilter filter = new DecisionFilter(Params.longParam(req, "asset"),
                Params.enumParam(req, "outcome", Outcome.class),
                Params.instant(req, "from"),
                Params.instant(req, "to"),
                mode(req),
                Params.string(req, "scope"),
                Params.string(req, "namespace"),
                Params.string(req, "image"),
                Params.string(req, "source"),
                Params.string(req, "rule"),
                Params.string(req, "actor"));
        if (CsvResponse.wanted(req)) {
            CsvResponse.send(res, "decisions", out -> audit.exportDecisions(filter, out));
        } else {
            Json.send(res, 200, decisions.list(filter, Params.string(req, "cursor"), Params.limit(req)));
        }
    }

    private static String mode(ServerRequest req) {
        String v = Params.string(req, "mode");
        if (v == null) {
            return null;
        }
        String m = v.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        if (!m.equals("ENFORCE") && !m.equals("DRY_RUN")) {
            throw ApiException.invalidField("mode", "must be ENFORCE or DRY_RUN");
        }
        return m;
    }

    private void vote(ServerRequest req, ServerResponse res, boolean approve) {
        long id = Params.pathId(req, "id");
        String voter = ApprovalsResource.approver(req);
        String comment = req.content().hasEntity() ? Json.read(req, VoteRequest.class).comment() : null;
        Json.send(res, 201, approve ? approvals.approve(id, comment, voter) : approvals.reject(id, comment, voter));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, decisions.find(Params.pathId(req, "id")));
    }
}
