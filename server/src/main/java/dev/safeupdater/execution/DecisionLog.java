package dev.safeupdater.execution;

import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.policy.Evaluation;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every decision made: one structured log line and the {@code safe_updater_decisions_total} counter. */
final class DecisionLog {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.decisions");
    /** One counter per outcome, looked up once (a registry lookup per decision shows in allocation profiles). */
    private static final java.util.Map<Outcome, Counter> COUNTERS = new java.util.concurrent.ConcurrentHashMap<>();

    void record(Evaluation e, Long assetId, Long decisionId, boolean stored) {
        Candidate c = e.candidate();
        COUNTERS.computeIfAbsent(e.outcome(), DecisionLog::counter).increment();
        LOG.atInfo()
                .addKeyValue("event", "decision")
                .addKeyValue("asset_id", assetId)
                .addKeyValue("asset_type", c.kind())
                .addKeyValue("asset", c.asset().display())
                .addKeyValue("image", c.image())
                .addKeyValue("current_version", c.currentTag())
                .addKeyValue("new_version", c.candidateTag())
                .addKeyValue("change_type", c.changeType().name())
                .addKeyValue("decision", e.outcome().name())
                .addKeyValue("decided_by", e.decidedBy())
                .addKeyValue("ruleset_revision", e.rulesetRevision())
                .addKeyValue("policy_revision", e.policyRevision())
                .addKeyValue("scope", e.scopeName())
                .addKeyValue("mode", e.mode().name())
                .addKeyValue("decision_id", decisionId)
                .addKeyValue("stored", stored)
                .log("decision {} for {} {} -> {}", e.outcome(), c.asset().display(), c.currentTag(),
                        c.candidateTag());
    }

    private static Counter counter(Outcome outcome) {
        return Metrics.globalRegistry().getOrCreate(Counter.builder("safe_updater_decisions")
                .description("Policy decisions made, by outcome (dry-run evaluations included)")
                .tags(Metrics.tags("outcome", outcome.name())));
    }
}
