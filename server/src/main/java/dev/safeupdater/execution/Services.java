package dev.safeupdater.execution;

import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.store.Database;

/**
 * The services both shells (HTTP and CLI) call, wired by the application. {@code database}, {@code assets} are null
 * when a command runs without a database (in-process evaluation).
 */
public record Services(PolicyEngine policy,
                       DecisionService decisions,
                       AssetService assets,
                       Database database,
                       PolicyService policyAdmin) {
    public Services(PolicyEngine policy, DecisionService decisions, AssetService assets, Database database) {
        this(policy, decisions, assets, database, new PolicyService(policy));
    }
}
