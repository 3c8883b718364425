package dev.safeupdater.policy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.rule.Match;

/**
 * The object rules write their verdict to, declared in DRL as
 * {@code global dev.safeupdater.policy.Verdict verdict;} and used as {@code verdict.hold($c, "reason")} (or
 * {@code verdict.hold($s.candidate(), "reason")} from a rule about a Scope or AssetHistory). The engine knows which
 * rule is speaking, so a rule never has to repeat its own name; the rule's metadata travels with what it says. One
 * instance serves one evaluation call on one thread.
 */
public final class Verdict {
    private final Map<Candidate, List<FiredRule>> fired;
    private final Map<Rule, Map<String, String>> metadataByRule = new IdentityHashMap<>(8);
    /** Reads a rule's metadata (the rule set's copy, read once at compile time; or Drools's, evaluated now). */
    private final Function<Rule, Map<String, String>> readMetadata;
    private Rule currentRule;
    private boolean spoke;

    public Verdict() {
        this(16, Verdict::readMetadata);
    }

    Verdict(int expectedCandidates, Function<Rule, Map<String, String>> readMetadata) {
        this.fired = new IdentityHashMap<>(Math.max(1, expectedCandidates)); // sized for one what-if to a batch
        this.readMetadata = readMetadata;
    }

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
        list(candidate).add(new FiredRule(name, outcome, reason == null ? "" : reason, metadata(currentRule)));
        spoke = true;
    }

    void beforeFiring(Rule rule) {
        currentRule = rule;
        spoke = false;
    }

    /** After a rule fired without saying anything: the candidates it matched still get the rule listed. */
    void afterFiring(Match match) {
        if (!spoke) {
            Rule rule = match.getRule();
            List<Candidate> seen = new ArrayList<>(2);
            for (Object o : match.getObjects()) {
                Candidate c = candidateOf(o);
                if (c != null && seen.stream().noneMatch(s -> s == c)) {
                    seen.add(c);
                    list(c).add(new FiredRule(rule.getName(), null, null, metadata(rule)));
                }
            }
        }
        currentRule = null;
        spoke = false;
    }

    private static Candidate candidateOf(Object fact) {
        if (fact instanceof Candidate c) {
            return c;
        }
        if (fact instanceof Scope s) {
            return s.candidate();
        }
        if (fact instanceof AssetHistory h) {
            return h.candidate();
        }
        return null;
    }

    private List<FiredRule> list(Candidate candidate) {
        List<FiredRule> l = fired.get(candidate);
        if (l == null) {
            l = new ArrayList<>(4);
            fired.put(candidate, l);
        }
        return l;
    }

    List<FiredRule> firedFor(Candidate candidate) {
        return fired.getOrDefault(candidate, List.of());
    }

    private Map<String, String> metadata(Rule rule) {
        if (rule == null) {
            return Map.of();
        }
        Map<String, String> m = metadataByRule.get(rule);
        if (m == null) {
            m = readMetadata.apply(rule);
            metadataByRule.put(rule, m);
        }
        return m;
    }

    /** A rule's metadata ({@code @owner("x")} → owner=x), as recorded with decisions. */
    static Map<String, String> readMetadata(Rule rule) {
        if (rule.getMetaData().isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        rule.getMetaData().forEach((k, v) -> out.put(simpleKey(k), unquote(String.valueOf(v))));
        return Map.copyOf(out);
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

    /**
     * The value as written (Drools passes some values with their quotes, some without), its escapes (backslash-quote,
     * double backslash, backslash-n) read as Java reads them: a description written {@code "say \"yes\""} is
     * {@code say "yes"}.
     */
    static String unquote(String s) {
        boolean quoted = s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"")
                || s.startsWith("'") && s.endsWith("'"));
        String inner = quoted ? s.substring(1, s.length() - 1) : s;
        if (inner.indexOf('\\') < 0) {
            return inner;
        }
        try {
            return inner.translateEscapes();
        } catch (IllegalArgumentException e) {
            return inner; // an escape Java does not know: kept as written
        }
    }
}
