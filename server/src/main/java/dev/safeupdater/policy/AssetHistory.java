package dev.safeupdater.policy;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;

/**
 * The history fact of one candidate's asset: {@code AssetHistory( candidate == $c, pinned )}. Every candidate has
 * exactly one (empty when nothing is known), linked to it by {@link #candidate()}.
 */
public final class AssetHistory {
    private final Candidate candidate;
    private final History history;
    private final History.Pin pin;

    public AssetHistory(Candidate candidate, History history) {
        this.candidate = Objects.requireNonNull(candidate, "candidate");
        this.history = history == null ? History.EMPTY : history;
        this.pin = findPin(candidate, this.history.pins());
    }

    public Candidate candidate() {
        return candidate;
    }

    public History history() {
        return history;
    }

    public List<History.Failure> failures() {
        return history.failures();
    }

    public boolean hasFailures() {
        return !history.failures().isEmpty();
    }

    public List<History.Pin> pins() {
        return history.pins();
    }

    public List<History.Approval> approvals() {
        return history.approvals();
    }

    public History.LastUpdate lastUpdate() {
        return history.lastUpdate();
    }

    /** True when the candidate's tag (and digest, when the pin names one) is pinned. */
    public boolean pinned() {
        return pin != null;
    }

    /** The pin that blocks the candidate, or null. */
    public History.Pin pin() {
        return pin;
    }

    /** The most recent failure at or after {@code since}, or null. */
    public History.Failure lastFailureSince(Instant since) {
        History.Failure last = null;
        for (History.Failure f : history.failures()) {
            if (f.at() != null && !f.at().isBefore(since) && (last == null || f.at().isAfter(last.at()))) {
                last = f;
            }
        }
        return last;
    }

    /** How many different people voted for the candidate at or after {@code since}. */
    public int approvalsSince(Instant since) {
        Set<String> who = new HashSet<>();
        for (History.Approval a : history.approvals()) {
            if (a.at() != null && !a.at().isBefore(since)) {
                who.add(a.approver());
            }
        }
        return who.size();
    }

    private static History.Pin findPin(Candidate c, List<History.Pin> pins) {
        for (History.Pin p : pins) {
            if (p.tag().equals(c.candidateTag())
                    && (p.digest() == null || c.candidateDigest() == null || p.digest().equals(c.candidateDigest()))) {
                return p;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "AssetHistory[" + candidate.asset().display() + ", " + history + "]";
    }
}
