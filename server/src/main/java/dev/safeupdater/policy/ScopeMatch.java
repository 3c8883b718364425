package dev.safeupdater.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.safeupdater.model.Candidate;

/**
 * The scope chosen for a candidate and why: the criteria that matched and, when asked for, the other scopes that
 * matched too but lost on priority or order. The criteria are worked out when first asked for, so batch evaluation
 * does not pay for explanations nobody reads.
 */
public final class ScopeMatch {
    private final ScopePolicy policy;
    private final Candidate candidate;
    private final List<String> alsoMatched;
    private volatile List<String> because;

    public ScopeMatch(ScopePolicy policy, List<String> because, List<String> alsoMatched) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.candidate = null;
        this.because = List.copyOf(because);
        this.alsoMatched = alsoMatched == null ? List.of() : List.copyOf(alsoMatched);
    }

    /** A match whose criteria are explained from {@code candidate} when first asked for. */
    ScopeMatch(ScopePolicy policy, Candidate candidate) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.candidate = candidate;
        this.alsoMatched = List.of();
    }

    public ScopePolicy policy() {
        return policy;
    }

    /** Why the scope matched, one line per criterion. */
    public List<String> because() {
        List<String> b = because;
        if (b == null) {
            List<String> explained = policy.match().explain(candidate);
            b = explained == null ? List.of() : List.copyOf(explained);
            because = b;
        }
        return b;
    }

    /** Other scopes that also matched but lost (filled by {@link PolicySet#explain}). */
    public List<String> alsoMatched() {
        return alsoMatched;
    }

    /** The same match with some knobs replaced (owner test cases). */
    public ScopeMatch with(ScopePolicy replaced) {
        return new ScopeMatch(replaced, because(), alsoMatched);
    }

    public String name() {
        return policy.name();
    }

    /** A JSON-friendly account of the match, for explanations and decision records. */
    @JsonValue
    public Explanation explanation() {
        return new Explanation(policy.name(), policy.file(), policy.line(), policy.priority(), policy.mode(),
                policy.description(), policy.owner(), because(), alsoMatched, policy.settings());
    }

    @Override
    public String toString() {
        return "ScopeMatch[" + policy.name() + "]";
    }

    /** What an explanation shows about the matched scope. */
    public record Explanation(String name, String file, int line, int priority, Mode mode, String description,
                              String owner, List<String> because, List<String> alsoMatched,
                              Map<String, Object> settings) {
    }
}
