package dev.safeupdater.policy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import org.kie.api.definition.rule.Rule;

/**
 * The object rules write their verdict to, declared in DRL as
 * {@code global dev.safeupdater.policy.Verdict verdict;} and used as {@code verdict.hold($c, "reason")}.
 * The engine knows which rule is speaking, so a rule never has to repeat its own name. One instance serves one
 * evaluation call on one thread.
 */
public final class Verdict {
    private final Map<Candidate, List<FiredRule>> fired = new IdentityHashMap<>();
    private Rule currentRule;
    private final List<Candidate> spokenFor = new ArrayList<>();

    public void approve(Candidate candidate, String reason) {
        record(candidate, Outcome.APPROVE, reason);
    }

    public void hold(Candidate candidate, String reason) {
        record(candidate, Outcome.HOLD, reason);
    }

    public void reject(Candidate candidate, String reason) {
        record(candidate, Outcome.REJECT, reason);
    }

    private void record(Candidate candidate, Outcome outcome, String reason) {
        if (candidate == null) {
            throw new IllegalArgumentException("verdict needs the candidate it is about");
        }
        String name = currentRule == null ? "(unknown rule)" : currentRule.getName();
        fired.computeIfAbsent(candidate, c -> new ArrayList<>())
                .add(new FiredRule(name, outcome, reason == null ? "" : reason, metadata(currentRule)));
        spokenFor.add(candidate);
    }

    void beforeFiring(Rule rule) {
        currentRule = rule;
        spokenFor.clear();
    }

    /** After a rule fired: a candidate it matched but did not speak about still gets the rule listed. */
    void afterFiring(Rule rule, List<Object> matched) {
        for (Object o : matched) {
            if (o instanceof Candidate c && spokenFor.stream().noneMatch(s -> s == c)) {
                fired.computeIfAbsent(c, k -> new ArrayList<>())
                        .add(new FiredRule(rule.getName(), null, null, metadata(rule)));
            }
        }
        currentRule = null;
        spokenFor.clear();
    }

    List<FiredRule> firedFor(Candidate candidate) {
        return fired.getOrDefault(candidate, List.of());
    }

    private static Map<String, String> metadata(Rule rule) {
        if (rule == null || rule.getMetaData().isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        rule.getMetaData().forEach((k, v) -> out.put(simpleKey(k), unquote(String.valueOf(v))));
        return out;
    }

    /** Drools files some well-known keys under a class name (@description → ...type.Description). */
    private static String simpleKey(String key) {
        int dot = key.lastIndexOf('.');
        if (dot < 0) {
            return key;
        }
        String simple = key.substring(dot + 1);
        return simple.isEmpty() ? key : Character.toLowerCase(simple.charAt(0)) + simple.substring(1);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
