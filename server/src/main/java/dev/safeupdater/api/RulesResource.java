package dev.safeupdater.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.safeupdater.execution.PolicyService;
import dev.safeupdater.policy.RuleSetException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/rules}: {@code GET} shows the active rule and policy set (revisions, files and hashes, rules,
 * scopes, activation time) and the last refused attempt with its errors; {@code POST /reload} activates the set in
 * the configured directories: 200 with the new status, or 422 with every problem and the active set untouched.
 */
final class RulesResource implements HttpService {
    private final PolicyService policy;

    RulesResource(PolicyService policy) {
        this.policy = policy;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status).post("/reload", this::reload);
    }

    private void status(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, policy.status());
    }

    private void reload(ServerRequest req, ServerResponse res) {
        String actor = Actors.of(req);
        try {
            policy.reload("api", actor);
            LoggerFactory.getLogger(RulesResource.class).atInfo().addKeyValue("event", "policy_reload_requested")
                    .addKeyValue("actor", actor).addKeyValue("accepted", true).log("reload by {} accepted", actor);
            Json.send(res, 200, policy.status());
        } catch (RuleSetException e) {
            LoggerFactory.getLogger(RulesResource.class).atInfo().addKeyValue("event", "policy_reload_requested")
                    .addKeyValue("actor", actor).addKeyValue("accepted", false).log("reload by {} refused", actor);
            Map<String, Object> ext = new LinkedHashMap<>();
            ext.put("problems", e.messages());
            ext.put("activeRevision", policy.status().active() == null ? null : policy.status().active().revision());
            Problems.send(res, 422, "Rule or policy set refused", e.messages().size() + " problem"
                            + (e.messages().size() == 1 ? "" : "s") + "; the active set is unchanged:\n"
                            + e.getMessage(), List.of(), ext);
        }
    }
}
