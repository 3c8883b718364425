package dev.safeupdater.execution;

import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.store.Database;

/**
 * The services both shells (HTTP and CLI) call, wired by the application. {@code database}, {@code assets},
 * {@code scans} are null when a command runs without a database (in-process evaluation); {@code tags} then works
 * without recording. {@code notifications} too (then nothing is announced), {@code cycles}, {@code rollouts} (then
 * nothing is applied), {@code audit} (the history readers) and {@code approvals}.
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
                       Rollouts rollouts,
                       AuditService audit,
                       ApprovalService approvals) {
}
