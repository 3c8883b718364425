package dev.safeupdater.api;

import java.time.Instant;
import java.util.List;

import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.RuleFile;
import dev.safeupdater.policy.RuleMessage;
import dev.safeupdater.policy.RuleSet;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /api/v1/rules}: the active rule set (revision, files and hashes, rules, activation time). */
final class RulesResource implements HttpService {
    private final PolicyEngine policy;

    RulesResource(PolicyEngine policy) {
        this.policy = policy;
    }

    record ActiveView(String revision, Instant activatedAt, List<RuleFile> files, List<String> rules) {
        static ActiveView of(RuleSet s) {
            return new ActiveView(s.revision(), s.activatedAt(), s.files(), s.ruleNames());
        }
    }

    record FailureView(Instant at, List<String> errors) {
    }

    record StatusView(ActiveView active, FailureView lastFailure) {
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status);
    }

    private void status(ServerRequest req, ServerResponse res) {
        ActiveView active = policy.active().map(ActiveView::of).orElse(null);
        FailureView failure = policy.lastFailure()
                .map(f -> new FailureView(f.at(), f.messages().stream().map(RuleMessage::toString).toList()))
                .orElse(null);
        Json.send(res, 200, new StatusView(active, failure));
    }
}
