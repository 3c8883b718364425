package dev.safeupdater.policy;

import java.time.Instant;
import java.util.List;

import org.kie.api.KieBase;

/**
 * A compiled, immutable rule set. The revision is the SHA-256 over the sorted list of
 * {@code name NUL sha256(content) LF} lines of its files, so it changes exactly when a file is added, removed,
 * renamed or edited. {@code activatedAt} is when it was compiled (its snapshot knows when it became active); {@code constraintJit} says whether Drools may
 * compile its constraints to bytecode (off when a rule uses a custom operator, which the Drools 10.2 JIT breaks).
 * {@code sessions} are what its evaluations share (pooled sessions, rule metadata).
 */
public record RuleSet(String revision, List<RuleFile> files, List<String> ruleNames, Instant activatedAt,
                      KieBase kieBase, boolean constraintJit, RuleSessions sessions) {
    public RuleSet {
        files = List.copyOf(files);
        ruleNames = List.copyOf(ruleNames);
    }

    public RuleSet(String revision, List<RuleFile> files, List<String> ruleNames, Instant activatedAt,
                   KieBase kieBase, boolean constraintJit) {
        this(revision, files, ruleNames, activatedAt, kieBase, constraintJit, new RuleSessions(kieBase));
    }
}
