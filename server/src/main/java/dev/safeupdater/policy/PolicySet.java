package dev.safeupdater.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.Candidate;

/**
 * The scopes of all policy files, in the order they are tried: highest {@code priority} first; among equal
 * priorities the one written first (files sorted by name, then position in the file). The first scope whose match
 * covers a candidate is its scope; there is at most one. The revision is a SHA-256 over file names and contents.
 */
public record PolicySet(String revision, List<RuleFile> files, List<ScopePolicy> scopes) {
    static final Comparator<ScopePolicy> ORDER = Comparator.comparingInt(ScopePolicy::priority).reversed()
            .thenComparingInt(ScopePolicy::order);

    /** No policy files: no candidate has a scope. */
    public static final PolicySet EMPTY = new PolicySet(
            Hashing.sha256Hex(new byte[0]), List.of(), List.of());

    public PolicySet {
        files = List.copyOf(files);
        scopes = scopes.stream().sorted(ORDER).toList();
    }

    /** The scope of {@code c} with the criteria that matched, or null when no scope covers it. */
    public ScopeMatch match(Candidate c) {
        for (ScopePolicy s : scopes) {
            if (s.matches(c)) {
                return new ScopeMatch(s, c);
            }
        }
        return null;
    }

    /** Like {@link #match}, and also names the scopes that matched but lost on priority or order. */
    public ScopeMatch explain(Candidate c) {
        ScopePolicy winner = null;
        List<String> others = new ArrayList<>();
        boolean tie = false;
        for (ScopePolicy s : scopes) {
            if (s.matches(c)) {
                if (winner == null) {
                    winner = s;
                } else {
                    tie |= s.priority() == winner.priority();
                    others.add(s.name() + " (priority " + s.priority() + ", " + s.file() + ":" + s.line() + ")");
                }
            }
        }
        if (winner == null) {
            return null;
        }
        List<String> because = new ArrayList<>(winner.match().explain(c));
        if (others.isEmpty()) {
            because.add("the only scope that matches");
        } else {
            because.add((tie ? "written first among the matching scopes of the highest priority ("
                    : "highest priority (") + winner.priority() + ") of " + (others.size() + 1) + " matching scopes");
        }
        return new ScopeMatch(winner, because, others);
    }

    public Optional<ScopePolicy> scope(String name) {
        return scopes.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
