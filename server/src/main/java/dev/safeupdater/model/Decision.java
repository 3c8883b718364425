package dev.safeupdater.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A stored, append-only policy decision for one asset and one candidate tag. */
public record Decision(long id,
                       long assetId,
                       String fromTag,
                       String toTag,
                       String fromDigest,
                       String toDigest,
                       ChangeType changeType,
                       Outcome outcome,
                       List<String> reasons,
                       List<FiredRule> firedRules,
                       String decidedBy,
                       String rulesetRevision,
                       String policyRevision,
                       String scope,
                       String mode,
                       Map<String, Object> inputs,
                       String actor,
                       Instant decidedAt) {
    public Decision {
        reasons = List.copyOf(reasons);
        firedRules = List.copyOf(firedRules);
        inputs = inputs == null ? Map.of() : inputs;
    }
}
