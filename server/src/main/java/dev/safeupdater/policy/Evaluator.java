package dev.safeupdater.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.safeupdater.model.History;
import dev.safeupdater.model.AssetKey;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.StatelessKieSession;

/**
 * Runs subjects through a rule set in stateless sessions: one {@link Clock} fact per session, and per candidate the
 * {@code Candidate}, its {@link Scope} (when one matched) and its {@link AssetHistory}, the latter two linked to the
 * candidate. Rules join on {@code candidate == ...}, which compares by value: candidates equal by value are
 * therefore evaluated once and share the result, or, when their scope or history differ, in separate sessions.
 * Large batches are split over the available processors (the knowledge base is shared, sessions are not).
 */
final class Evaluator {
    /** Batches at least twice this size are split across processors. */
    static final int PARALLEL_CHUNK = 4096;

    private Evaluator() {
    }

    static List<Evaluation> evaluate(RuleSet rules, String policyRevision, List<Subject> given, Instant now) {
        Objects.requireNonNull(now, "now");
        // failures count within the same window however the history came (store, what-if, owner test)
        List<Subject> subjects = new ArrayList<>(given.size());
        for (Subject s : given) {
            subjects.add(s.withinFailureWindow(now));
        }
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), subjects.size() / PARALLEL_CHUNK);
        if (threads <= 1) {
            return sequential(rules, policyRevision, subjects, now);
        }
        int size = (subjects.size() + threads - 1) / threads;
        List<List<Evaluation>> parts = java.util.stream.IntStream.range(0, threads).parallel()
                .mapToObj(t -> sequential(rules, policyRevision,
                        subjects.subList(t * size, Math.min(subjects.size(), (t + 1) * size)), now))
                .toList();
        List<Evaluation> out = new ArrayList<>(subjects.size());
        parts.forEach(out::addAll);
        return out;
    }

    private static List<Evaluation> sequential(RuleSet rules, String policyRevision, List<Subject> subjects,
                                               Instant now) {
        int n = subjects.size();
        Evaluation[] out = new Evaluation[n];
        int[] pending = new int[n];
        for (int i = 0; i < n; i++) {
            pending[i] = i;
        }
        int pendingCount = n;
        int[] aliasOf = new int[n];
        int[] sameAssetNext = new int[n];
        while (pendingCount > 0) {
            // candidates of the same asset are compared in full; others cannot be equal
            Map<AssetKey, Integer> firstOfAsset = new HashMap<>(pendingCount * 2);
            int[] round = new int[pendingCount];
            int roundCount = 0;
            int[] later = new int[pendingCount];
            int laterCount = 0;
            int[] aliases = new int[pendingCount];
            int aliasCount = 0;
            for (int p = 0; p < pendingCount; p++) {
                int i = pending[p];
                Subject s = subjects.get(i);
                Integer head = firstOfAsset.putIfAbsent(s.candidate().asset(), i);
                int equal = -1;
                if (head != null) {
                    for (int j = head; j >= 0; j = sameAssetNext[j]) {
                        if (subjects.get(j).candidate().equals(s.candidate())) {
                            equal = j;
                            break;
                        }
                    }
                }
                if (equal < 0) {
                    sameAssetNext[i] = head == null ? -1 : sameAssetNext[head];
                    if (head != null) {
                        sameAssetNext[head] = i;
                    }
                    round[roundCount++] = i;
                } else if (sameContext(s, subjects.get(equal))) {
                    aliasOf[i] = equal;
                    aliases[aliasCount++] = i;
                } else {
                    later[laterCount++] = i;
                }
            }
            run(rules, policyRevision, subjects, round, roundCount, now, out);
            for (int a = 0; a < aliasCount; a++) {
                int i = aliases[a];
                Evaluation e = out[aliasOf[i]];
                out[i] = new Evaluation(subjects.get(i).candidate(), e.outcome(), e.reasons(), e.firedRules(),
                        e.decidedBy(), e.rulesetRevision(), e.policyRevision(), e.scope(), e.mode(), e.evaluatedAt(),
                        e.history());
            }
            pending = later;
            pendingCount = laterCount;
        }
        return java.util.Arrays.asList(out);
    }

    private static boolean sameContext(Subject a, Subject b) {
        ScopePolicy sa = a.scope() == null ? null : a.scope().policy();
        ScopePolicy sb = b.scope() == null ? null : b.scope().policy();
        return sa == sb && a.history().equals(b.history());
    }

    private static void run(RuleSet rules, String policyRevision, List<Subject> subjects, int[] round,
                            int roundCount, Instant now, Evaluation[] out) {
        Verdict verdict = new Verdict(roundCount, rules.sessions()::metadata);
        StatelessKieSession session = rules.sessions().session(rules.kieBase(), roundCount);
        session.setGlobal(PolicyEngine.VERDICT_GLOBAL, verdict);
        session.addEventListener(new DefaultAgendaEventListener() {
            @Override
            public void beforeMatchFired(BeforeMatchFiredEvent event) {
                verdict.beforeFiring(event.getMatch().getRule());
            }

            @Override
            public void afterMatchFired(AfterMatchFiredEvent event) {
                verdict.afterFiring(event.getMatch());
            }
        });
        List<Object> facts = new ArrayList<>(roundCount * 3 + 1);
        facts.add(new Clock(now));
        Map<ScopePolicy, Scope.TimeMemo> memos = new IdentityHashMap<>(Math.min(roundCount, 16)); // scopes <= subjects
        for (int r = 0; r < roundCount; r++) {
            Subject s = subjects.get(round[r]);
            facts.add(s.candidate());
            if (s.scope() != null) {
                ScopePolicy p = s.scope().policy();
                facts.add(new Scope(s.candidate(), s.scope(), memos.computeIfAbsent(p, Scope.TimeMemo::new)));
            }
            facts.add(new AssetHistory(s.candidate(), s.history()));
        }
        session.execute(facts);
        for (int r = 0; r < roundCount; r++) {
            int i = round[r];
            Subject s = subjects.get(i);
            out[i] = Evaluation.combine(s, verdict.firedFor(s.candidate()), rules.revision(), policyRevision, now);
        }
    }
}
