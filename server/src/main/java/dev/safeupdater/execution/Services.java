package dev.safeupdater.execution;

import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.store.Database;

/**
 * The services both shells (HTTP and CLI) call, wired by the application. {@code database}, {@code assets},
 * {@code scans} are null when a command runs without a database (in-process evaluation); {@code tags} then works
 * without recording. {@code notifications} too (then nothing is announced), {@code cycles}, and {@code rollouts} (then nothing
 * is applied).
 */
public record Services(PolicyEngine policy,
                       DecisionService decisions,
                       AssetService assets,
                       Database database,
                       VersionService versions,
                       TagService tags,
                       ScanService scans,
                       PolicyService policyAdmin,
                       NotificationService notifications,
                       CycleService cycles,
                       Rollouts rollouts) {
    /** Services without update runs ({@code rollouts} is null). */
    public Services(PolicyEngine policy, DecisionService decisions, AssetService assets, Database database,
                    VersionService versions, TagService tags, ScanService scans, PolicyService policyAdmin,
                    NotificationService notifications, CycleService cycles) {
        this(policy, decisions, assets, database, versions, tags, scans, policyAdmin, notifications, cycles, null);
    }
}
