package dev.safeupdater.policy;

import java.time.Instant;
import java.util.List;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;

/**
 * The policy's answer for one candidate: the combined outcome, the reasons behind it (those of the rules that gave
 * the winning outcome), every rule that fired, the rule that decided (first to give the winning outcome; null when
 * no rule spoke), the revisions of the rule set and policy set that answered, the scope that matched and why
 * (null when none did), the mode of that scope, the evaluation time and the history the rules saw.
 */
public record Evaluation(Candidate candidate,
                         Outcome outcome,
                         List<String> reasons,
                         List<FiredRule> firedRules,
                         String decidedBy,
                         String rulesetRevision,
                         String policyRevision,
                         ScopeMatch scope,
                         Mode mode,
                         Instant evaluatedAt,
                         History history) {
    public static final String NO_RULE_MATCHED = "no rule matched this change, so it waits for a human";

    public Evaluation {
        reasons = List.copyOf(reasons);
        firedRules = List.copyOf(firedRules);
        mode = mode == null ? Mode.ENFORCE : mode;
        history = history == null ? History.EMPTY : history;
    }

    /** Everything an owner needs to understand this evaluation, in a form that renders as JSON. */
    public Explanation explanation() {
        return new Explanation(outcome, decidedBy, reasons, firedRules,
                scope == null ? null : scope.explanation(), mode, candidate.changeType(), candidate, history,
                evaluatedAt, rulesetRevision, policyRevision);
    }

    /**
     * An evaluation explained: the outcome and the rule that decided it, the reasons, every rule that fired (with
     * its reason and metadata), the scope that matched and why (null: none), the mode, the facts and the revisions.
     */
    public record Explanation(Outcome outcome, String decidedBy, List<String> reasons, List<FiredRule> firedRules,
                              ScopeMatch.Explanation scope, Mode mode, dev.safeupdater.model.ChangeType changeType,
                              Candidate candidate, History history, Instant evaluatedAt, String rulesetRevision,
                              String policyRevision) {
    }

    /** The name of the matched scope, or null. */
    public String scopeName() {
        return scope == null ? null : scope.name();
    }

    static Evaluation combine(Subject subject, List<FiredRule> fired, String rulesRevision, String policyRevision,
                              Instant now) {
        Outcome outcome = null;
        for (FiredRule f : fired) {
            outcome = Outcome.strongest(outcome, f.outcome());
        }
        ScopeMatch scope = subject.scope();
        Mode mode = scope == null ? Mode.ENFORCE : scope.policy().mode();
        if (outcome == null) {
            return new Evaluation(subject.candidate(), Outcome.HOLD, List.of(NO_RULE_MATCHED), fired, null,
                    rulesRevision, policyRevision, scope, mode, now, subject.history());
        }
        List<String> reasons = new java.util.ArrayList<>(2);
        String decidedBy = null;
        for (FiredRule f : fired) {
            if (f.outcome() == outcome) {
                reasons.add(f.reason());
                if (decidedBy == null) {
                    decidedBy = f.name();
                }
            }
        }
        return new Evaluation(subject.candidate(), outcome, reasons, fired, decidedBy, rulesRevision,
                policyRevision, scope, mode, now, subject.history());
    }
}
