package dev.safeupdater.policy;

import java.nio.file.Path;

/**
 * Where the engine reads from: DRL rules, policy scopes, owner test cases (default {@code policiesDir/tests}), and
 * whether owner tests must pass before a set is activated.
 */
public record PolicySources(Path rulesDir, Path policiesDir, Path testsDir, boolean requireTests) {
    public PolicySources {
        java.util.Objects.requireNonNull(rulesDir, "rulesDir");
        if (testsDir == null && policiesDir != null) {
            testsDir = policiesDir.resolve("tests");
        }
    }

    public PolicySources(Path rulesDir, Path policiesDir) {
        this(rulesDir, policiesDir, null, false);
    }
}
