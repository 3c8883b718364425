package dev.safeupdater.execution;

import java.util.List;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.policy.Evaluation;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every decision stored: one INFO log line and the {@code safe_updater_decisions_total} counter. What-if evaluations
 * (nothing stored) are kept apart: a DEBUG line and {@code safe_updater_evaluations_total}. Both counters exist, at 0,
 * for every outcome from the start.
 */
final class DecisionLog {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.decisions");
    private static final Logger WHAT_IF = LoggerFactory.getLogger("safeupdater.evaluations");
    /** One counter per outcome, looked up once (a registry lookup per decision shows in allocation profiles). */
    private static final java.util.Map<Outcome, Counter> DECISIONS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.Map<Outcome, Counter> EVALUATIONS = new java.util.concurrent.ConcurrentHashMap<>();

    DecisionLog() {
        for (Outcome o : Outcome.values()) {
            DECISIONS.computeIfAbsent(o, DecisionLog::decisions);
            EVALUATIONS.computeIfAbsent(o, DecisionLog::evaluations);
        }
    }

    /** A what-if evaluation: counted apart from decisions, logged at DEBUG. */
    void evaluated(Evaluation e) {
        EVALUATIONS.computeIfAbsent(e.outcome(), DecisionLog::evaluations).increment();
        if (WHAT_IF.isDebugEnabled()) {
            line(WHAT_IF.atDebug(), e, null, null, false, "evaluation");
        }
    }

    /** A stored decision. */
    void record(Evaluation e, Long assetId, Long decisionId, boolean stored) {
        DECISIONS.computeIfAbsent(e.outcome(), DecisionLog::decisions).increment();
        line(LOG.atInfo(), e, assetId, decisionId, stored, "decision");
    }

    private static void line(org.slf4j.spi.LoggingEventBuilder log, Evaluation e, Long assetId, Long decisionId,
                             boolean stored, String event) {
        Candidate c = e.candidate();
        log
                .addKeyValue("event", event)
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
                .log("{} {} for {} {} -> {}", event, e.outcome(), c.asset().display(), c.currentTag(),
                        c.candidateTag());
    }

    private static Counter decisions(Outcome outcome) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_decisions")
                .description("Decisions stored, by outcome (dry-run scopes included; what-if evaluations are"
                        + " safe_updater_evaluations_total)")
                .tags(List.of(Tag.create("outcome", outcome.name()))));
    }

    private static Counter evaluations(Outcome outcome) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_evaluations")
                .description("What-if evaluations (POST /api/v1/evaluate, the evaluate command), by outcome; nothing"
                        + " stored")
                .tags(List.of(Tag.create("outcome", outcome.name()))));
    }
}
