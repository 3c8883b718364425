package dev.safeupdater.api;

import dev.safeupdater.execution.ApprovalRequest;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.model.Approval;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/assets/{assetId}/approvals}: vote for a candidate ({@code POST}; the caller's token name is the
 * approver — without tokens the {@code X-Actor} label —, anonymous votes are refused; voting again renews the vote),
 * list votes ({@code GET}, optionally
 * {@code ?candidateTag=}), revoke one ({@code DELETE /{approvalId}}).
 */
final class ApprovalsResource implements HttpService {
    private final DecisionService decisions;

    ApprovalsResource(DecisionService decisions) {
        this.decisions = decisions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::vote)
                .get("/", this::list)
                .delete("/{approvalId}", this::revoke);
    }

    private void vote(ServerRequest req, ServerResponse res) {
        long assetId = Params.pathId(req, "assetId");
        String approver = approver(req);
        ApprovalRequest body = Json.read(req, ApprovalRequest.class);
        Approval a = decisions.approve(assetId, body, approver);
        res.header(HeaderNames.LOCATION, "/api/v1/assets/" + assetId + "/approvals/" + a.id());
        Json.send(res, 201, a);
    }

    private void list(ServerRequest req, ServerResponse res) {
        long assetId = Params.pathId(req, "assetId");
        Json.send(res, 200, decisions.approvals(assetId, Params.string(req, "candidateTag")));
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        long assetId = Params.pathId(req, "assetId");
        long approvalId = Params.pathId(req, "approvalId");
        Json.send(res, 200, decisions.revokeApproval(assetId, approvalId, approver(req)));
    }

    /** Votes need a name: the caller's token (without tokens, the X-Actor header). */
    static String approver(ServerRequest req) {
        String actor = Actors.of(req);
        if (actor.equals(Actors.ANONYMOUS)) {
            throw ApiException.invalidField(Actors.HEADER, "must name the approver (votes are counted per person)");
        }
        return actor;
    }
}
