package dev.safeupdater.execution;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.PlanEntry.WaitsFor;
import dev.safeupdater.policy.AssetHistory;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.Freeze;
import dev.safeupdater.policy.Scope;

/**
 * What a held (or rejected) update waits for, read from its scope and history at the evaluation time, whatever the
 * rules' wording: the maintenance window opening, the release being old enough, approvals (have of need), a freeze
 * ending, a failure cooldown ending, a pin, a person for a change beyond the scope's allow level, or a scope. Votes
 * are counted as they will stand when the update can go ahead: enough votes now that lapse before the window opens are
 * not enough.
 */
final class PlanWaits {
    private PlanWaits() {
    }

    static List<WaitsFor> of(Evaluation e) {
        if (e.outcome() == Outcome.APPROVE) {
            return List.of();
        }
        Candidate c = e.candidate();
        Instant now = e.evaluatedAt();
        List<WaitsFor> out = new ArrayList<>();
        if (e.scope() == null) {
            out.add(new WaitsFor("no-scope", "a policy scope that covers this asset", null, null, null));
            return out;
        }
        Scope s = new Scope(c, e.scope());
        AssetHistory h = new AssetHistory(c, e.history());
        if (h.pinned()) {
            out.add(new WaitsFor("pinned", c.candidateTag() + " is pinned: " + h.pin().reason(), null, null, null));
        }
        if (!s.permitsChange() && c.changeType() != ChangeType.DOWNGRADE && c.changeType() != ChangeType.NONE) {
            out.add(new WaitsFor("beyond-allow", "a person: a " + c.changeType() + " change is beyond allow: "
                    + s.allow().yamlName() + " of scope " + s.name(), null, null, null));
        }
        if (s.hasFreezes() && s.frozen(now)) {
            Freeze f = s.activeFreeze(now);
            out.add(new WaitsFor("freeze", "the freeze ending at " + f.to()
                    + (f.reason() == null ? "" : " (" + f.reason() + ")"), f.to(), null, null));
        }
        var failure = h.lastFailureSince(now.minus(s.failureCooldown()));
        if (failure != null) {
            Instant until = failure.at().plus(s.failureCooldown());
            out.add(new WaitsFor("failure-cooldown", "the cooldown after the update that ended " + failure.state()
                    + " at " + failure.at() + ", until " + until, until, null, null));
        }
        if (s.requiresReleaseAge() && !s.releaseOldEnough(now)) {
            Instant at = s.oldEnoughAt();
            out.add(at == null
                    ? new WaitsFor("release-time", "a known release time for " + c.candidateTag() + " (scope "
                    + s.name() + " requires " + s.minReleaseAgeText() + ")", null, null, null)
                    : new WaitsFor("release-age", "the release being " + s.minReleaseAgeText() + " old at " + at,
                    at, null, null));
        }
        // the window that counts is the first one once the timed waits above (freeze, cooldown, release age) are
        // over: a release old enough on Thursday waits for Thursday's window, not tonight's
        Instant ready = now;
        for (WaitsFor w : out) {
            if (w.until() != null && w.until().isAfter(ready)) {
                ready = w.until();
            }
        }
        // a freeze that will be in force by then (one that has not begun yet) holds it until its end, and a window
        // that opens inside a freeze does not count (bounded: a scope has a handful of freezes)
        ZonedDateTime next = null;
        for (int i = 0; i < 16; i++) {
            Instant at = next == null ? ready : next.toInstant();
            Freeze f = s.hasFreezes() && s.frozen(at) ? s.activeFreeze(at) : null;
            if (f != null && f.to().isAfter(ready)) {
                Instant end = f.to();
                if (out.stream().noneMatch(w -> "freeze".equals(w.kind()) && end.equals(w.until()))) {
                    out.add(new WaitsFor("freeze", "the freeze from " + f.from() + " to " + end
                            + (f.reason() == null ? "" : " (" + f.reason() + ")") + ", which will be in force by then",
                            end, null, null));
                }
                ready = end;
                next = null;
                continue;
            }
            if (next != null || !s.hasMaintenanceWindows() || s.inMaintenanceWindow(ready)) {
                break;
            }
            next = s.nextWindowOpening(ready);
            if (next == null) {
                break;
            }
        }
        if (next != null) {
            out.add(new WaitsFor("window", (ready.equals(now) ? "the maintenance window opening at "
                    : "the first maintenance window after " + ready + ", opening at ") + next, next.toInstant(),
                    null, null));
        }
        if (s.approvalsRequired() > 0) {
            int need = s.approvalsRequired();
            int have = h.approvalsSince(now.minus(s.approvalDeadline()));
            // the votes must still count when the update can go ahead: one cast now lapses after the deadline
            Instant goes = next != null ? next.toInstant() : ready;
            int then = goes.isAfter(now) ? h.approvalsSince(goes.minus(s.approvalDeadline())) : have;
            if (have < need) {
                out.add(new WaitsFor("approvals", "approvals: " + have + " of " + need, null, have, need));
            } else if (then < need) {
                out.add(new WaitsFor("approvals", "approvals: " + have + " of " + need + " now, but only " + then
                        + " will still count at " + goes + ", when it can go ahead (a vote counts for "
                        + s.approvalDeadlineText() + ")", null, then, need));
            }
        }
        return out;
    }
}
