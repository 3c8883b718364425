package dev.safeupdater.execution;

import java.util.Optional;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.policy.Approvals;
import dev.safeupdater.policy.AssetHistory;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.Mode;

/**
 * When a stored decision is worth an "update held for approval" notification: it is HOLD, its scope enforces (a
 * dry-run scope changes nothing, so nobody needs to approve), the scope requires approvals and fewer votes than
 * required counted when the rules looked. The HOLD may have other reasons too (a closed window); approvers still hear
 * that their votes are missing, and the event lists every reason.
 */
final class HeldForApproval {
    private HeldForApproval() {
    }

    static Optional<NotificationEvent> event(Asset asset, Decision stored, Evaluation e) {
        if (stored.outcome() != Outcome.HOLD || e.mode() != Mode.ENFORCE || e.scope() == null) {
            return Optional.empty();
        }
        Approvals needed = e.scope().policy().approvals();
        if (!needed.required()) {
            return Optional.empty();
        }
        int votes = new AssetHistory(e.candidate(), e.history())
                .approvalsSince(e.evaluatedAt().minus(needed.deadline()));
        if (votes >= needed.count()) {
            return Optional.empty();
        }
        return Optional.of(NotificationEvent.updateHeld(NotificationEvent.AssetRef.of(asset), stored, votes,
                needed.count(), needed.deadline()));
    }
}
