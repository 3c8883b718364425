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
                       ApprovalService approvals) implements AutoCloseable {

    /**
     * Stops what runs in the background (the policy watcher, the update executor, discovery, the cycle and scan
     * schedulers, the notifier, the approval sweeper), then closes the database; what a command or the server did not
     * start is skipped. Closing twice is harmless.
     */
    @Override
    public void close() {
        if (policyAdmin != null) {
            policyAdmin.close();
        }
        if (rollouts != null && rollouts.executor() != null) {
            rollouts.executor().close();
        }
        if (tags != null) {
            tags.close();
        }
        if (cycles != null) {
            cycles.close();
        }
        if (scans != null) {
            scans.close();
        }
        if (notifications != null) {
            notifications.close();
        }
        if (approvals != null) {
            approvals.close();
        }
        if (database != null) {
            database.close();
        }
    }
}
