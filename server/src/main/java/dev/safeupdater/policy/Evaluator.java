package dev.safeupdater.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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

    static List<Evaluation> evaluate(RuleSet rules, String policyRevision, List<Subject> subjects, Instant now) {
        Objects.requireNonNull(now, "now");
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
        Evaluation[] out = new Evaluation[subjects.size()];
        List<Integer> pending = new ArrayList<>(subjects.size());
        for (int i = 0; i < subjects.size(); i++) {
            pending.add(i);
        }
        while (!pending.isEmpty()) {
            // candidates of the same asset are compared in full; others cannot be equal
            Map<AssetKey, List<Integer>> byAsset = new HashMap<>(pending.size() * 2);
            List<Integer> round = new ArrayList<>(pending.size());
            List<int[]> aliases = new ArrayList<>();
            List<Integer> later = new ArrayList<>();
            for (int i : pending) {
                Subject s = subjects.get(i);
                List<Integer> same = byAsset.get(s.candidate().asset());
                if (same == null) {
                    same = new ArrayList<>(1);
                    byAsset.put(s.candidate().asset(), same);
                }
                Integer equal = null;
                for (int j : same) {
                    if (subjects.get(j).candidate().equals(s.candidate())) {
                        equal = j;
                        break;
                    }
                }
                if (equal == null) {
                    same.add(i);
                    round.add(i);
                } else if (sameContext(s, subjects.get(equal))) {
                    aliases.add(new int[] {i, equal});
                } else {
                    later.add(i);
                }
            }
            run(rules, policyRevision, subjects, round, now, out);
            for (int[] a : aliases) {
                Evaluation e = out[a[1]];
                out[a[0]] = new Evaluation(subjects.get(a[0]).candidate(), e.outcome(), e.reasons(), e.firedRules(),
                        e.decidedBy(), e.rulesetRevision(), e.policyRevision(), e.scope(), e.mode(), e.evaluatedAt(),
                        e.history());
            }
            pending = later;
        }
        return java.util.Arrays.asList(out);
    }

    private static boolean sameContext(Subject a, Subject b) {
        ScopePolicy sa = a.scope() == null ? null : a.scope().policy();
        ScopePolicy sb = b.scope() == null ? null : b.scope().policy();
        return sa == sb && a.history().equals(b.history());
    }

    private static void run(RuleSet rules, String policyRevision, List<Subject> subjects, List<Integer> round,
                            Instant now, Evaluation[] out) {
        Verdict verdict = new Verdict(round.size());
        StatelessKieSession session = rules.kieBase().newStatelessKieSession();
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
        List<Object> facts = new ArrayList<>(round.size() * 3 + 1);
        facts.add(new Clock(now));
        Map<ScopePolicy, Scope.TimeMemo> memos = new IdentityHashMap<>();
        for (int i : round) {
            Subject s = subjects.get(i);
            facts.add(s.candidate());
            if (s.scope() != null) {
                ScopePolicy p = s.scope().policy();
                facts.add(new Scope(s.candidate(), s.scope(), memos.computeIfAbsent(p, Scope.TimeMemo::new)));
            }
            facts.add(new AssetHistory(s.candidate(), s.history()));
        }
        session.execute(facts);
        for (int i : round) {
            Subject s = subjects.get(i);
            out[i] = Evaluation.combine(s, verdict.firedFor(s.candidate()), rules.revision(), policyRevision, now);
        }
    }
}
