package dev.safeupdater.api;

import java.util.Locale;

import dev.safeupdater.execution.ApprovalService;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /api/v1/approvals?state=pending}: what waits for whom — held candidates whose scope requires approvals,
 * with votes so far, votes needed and the deadline, oldest first. Vote with
 * {@code POST /api/v1/decisions/{id}/approve|reject}.
 */
final class ApprovalQueueResource implements HttpService {
    private final ApprovalService approvals;

    ApprovalQueueResource(ApprovalService approvals) {
        this.approvals = approvals;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        String state = Params.string(req, "state");
        if (state != null && !state.toLowerCase(Locale.ROOT).equals("pending")) {
            throw ApiException.invalidField("state", "must be pending (the only state listed)");
        }
        Json.send(res, 200, approvals.pending());
    }
}
