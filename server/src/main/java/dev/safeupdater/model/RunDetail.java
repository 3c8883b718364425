package dev.safeupdater.model;

import java.util.List;
import java.util.Map;

/**
 * One update run with everything an auditor asks about it: the run, the rules that fired for its decision with the
 * rule-set and policy revisions, who approved it, the health results (detail of the transition out of VERIFYING),
 * why it was rolled back (detail of the transition to ROLLING_BACK) and every transition, oldest first.
 */
public record RunDetail(RunSummary run,
                        List<FiredRule> firedRules,
                        String rulesetRevision,
                        String policyRevision,
                        List<String> approvers,
                        Map<String, Object> health,
                        Map<String, Object> rollbackReason,
                        List<RunEvent> events) {
    public RunDetail {
        firedRules = List.copyOf(firedRules);
        approvers = List.copyOf(approvers);
        events = List.copyOf(events);
    }
}
