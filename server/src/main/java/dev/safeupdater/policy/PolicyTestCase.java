package dev.safeupdater.policy;

import java.time.Instant;
import java.util.List;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Outcome;

/**
 * One owner test case from {@code policies/tests/*.yaml}: a candidate at a time, with a history and optionally a
 * chosen scope or changed knobs, and what the policy must answer.
 *
 * @param scopeName      evaluate with this scope instead of the one that matches (null: match as the server does)
 * @param scopeOverrides knobs to change on the scope for this case (null: none)
 */
public record PolicyTestCase(String file,
                             int line,
                             int column,
                             String name,
                             Instant at,
                             CandidateSpec candidate,
                             String scopeName,
                             YamlNode.Mapping scopeOverrides,
                             History history,
                             Expect expect) {

    /**
     * What must come out. Only {@code outcome} is required.
     *
     * @param scope          the scope that must match; {@link #NO_SCOPE} for none
     * @param fired          exactly these rules must fire (any order)
     * @param reasonContains each text must appear in some fired rule's reason
     */
    public record Expect(Outcome outcome, String scope, String decidedBy, List<String> fired,
                         List<String> reasonContains, Mode mode) {
        public static final String NO_SCOPE = "none";
    }
}
