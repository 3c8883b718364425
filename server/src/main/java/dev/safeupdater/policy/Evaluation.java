package dev.safeupdater.policy;

import java.util.List;

import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;

/**
 * The policy's answer for one candidate: the combined outcome, the reasons behind it (those of the rules that gave
 * the winning outcome), every rule that fired, the rule that decided (first to give the winning outcome; null when
 * no rule spoke) and the revision of the rule set that answered.
 */
public record Evaluation(Candidate candidate,
                         Outcome outcome,
                         List<String> reasons,
                         List<FiredRule> firedRules,
                         String decidedBy,
                         String rulesetRevision) {
    public static final String NO_RULE_MATCHED = "no rule matched";

    public Evaluation {
        reasons = List.copyOf(reasons);
        firedRules = List.copyOf(firedRules);
    }

    static Evaluation combine(Candidate candidate, List<FiredRule> fired, String revision) {
        Outcome outcome = null;
        for (FiredRule f : fired) {
            outcome = Outcome.strongest(outcome, f.outcome());
        }
        if (outcome == null) {
            return new Evaluation(candidate, Outcome.HOLD, List.of(NO_RULE_MATCHED), fired, null, revision);
        }
        final Outcome winner = outcome;
        List<FiredRule> deciding = fired.stream().filter(f -> f.outcome() == winner).toList();
        return new Evaluation(candidate, winner, deciding.stream().map(FiredRule::reason).toList(), fired,
                deciding.getFirst().name(), revision);
    }
}
