package dev.safeupdater.policy;

import java.util.IdentityHashMap;
import java.util.Map;

import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSessionsPool;
import org.kie.api.runtime.StatelessKieSession;

/**
 * What every evaluation against one compiled rule set shares: a pool of rule sessions for small evaluations (one
 * candidate from POST /api/v1/evaluate, a stored decision), and each rule's metadata read once.
 *
 * <p>A new session per evaluation builds the network's node and segment memories again every time; for a single
 * candidate that was about half of the time spent in Drools (measured with JFR under {@code bin/bench evaluate-api}).
 * A pooled session is reset by Drools when it is handed back (facts, agenda, globals and listeners cleared) and
 * keeps its memories for the next evaluation. Only evaluations of at most {@link #POOLED_MAX} candidates use it,
 * so a pooled session never holds the memories a batch of thousands grew; batches create a session of their own,
 * whose cost they share out. The pool grows to the number of small evaluations running at once and is dropped with
 * its rule set.
 *
 * <p>Drools evaluates a rule's metadata ({@code @owner("x")}) each time it is asked for it; every fired rule of every
 * evaluation asks, so it is read here once for all rules.
 */
public final class RuleSessions {
    /** Evaluations of at most this many candidates run in a pooled session. */
    static final int POOLED_MAX = 16;

    private final KieSessionsPool pool;
    private final Map<Rule, Map<String, String>> metadata;

    RuleSessions(KieBase kieBase) {
        this.pool = kieBase.newKieSessionsPool(0);
        Map<Rule, Map<String, String>> m = new IdentityHashMap<>();
        for (KiePackage pkg : kieBase.getKiePackages()) {
            for (Rule rule : pkg.getRules()) {
                m.put(rule, Verdict.readMetadata(rule));
            }
        }
        this.metadata = m;
    }

    /** A session for evaluating {@code candidates} candidates: pooled for a few, a new one for a batch. */
    StatelessKieSession session(KieBase kieBase, int candidates) {
        return candidates <= POOLED_MAX ? pool.newStatelessKieSession() : kieBase.newStatelessKieSession();
    }

    /** The metadata of {@code rule}, read when the rule set was compiled (read now for a rule it does not hold). */
    Map<String, String> metadata(Rule rule) {
        Map<String, String> m = metadata.get(rule);
        return m != null ? m : Verdict.readMetadata(rule);
    }
}
