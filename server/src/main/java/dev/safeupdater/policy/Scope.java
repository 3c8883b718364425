package dev.safeupdater.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Objects;

import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ReleaseTimeSource;

/**
 * The scope fact: the policy scope that matched one candidate, linked to it by {@link #candidate()} —
 * {@code Scope( candidate == $c, ... )}. A candidate no scope matches has no Scope fact. The knobs are the scope's
 * ({@link ScopePolicy}); the helpers answer calendar questions for rules and are computed once per evaluation time.
 */
public final class Scope {
    private final Candidate candidate;
    private final ScopePolicy policy;
    private final ScopeMatch match;
    private final TimeMemo memo;

    /** The scope fact of {@code candidate} for a match found by {@link PolicySet#match} or {@link PolicySet#explain}. */
    public Scope(Candidate candidate, ScopeMatch match) {
        this(candidate, match, new TimeMemo(match.policy()));
    }

    Scope(Candidate candidate, ScopeMatch match, TimeMemo memo) {
        this.candidate = Objects.requireNonNull(candidate, "candidate");
        this.match = Objects.requireNonNull(match, "match");
        this.policy = match.policy();
        this.memo = memo;
    }

    public Candidate candidate() {
        return candidate;
    }

    public ScopePolicy policy() {
        return policy;
    }

    /** Why this scope matched the candidate, one line per criterion. */
    public List<String> because() {
        return match.because();
    }

    public String name() {
        return policy.name();
    }

    public String file() {
        return policy.file();
    }

    public int priority() {
        return policy.priority();
    }

    public Mode mode() {
        return policy.mode();
    }

    public boolean dryRun() {
        return policy.mode() == Mode.DRY_RUN;
    }

    public ChangeLevel allow() {
        return policy.allow();
    }

    /** True when the candidate's change type is within {@code allow}. */
    public boolean permitsChange() {
        return policy.allow().permits(candidate.changeType());
    }

    public boolean prerelease() {
        return policy.prerelease();
    }

    public Duration minReleaseAge() {
        return policy.minReleaseAge();
    }

    public String minReleaseAgeText() {
        return Durations.format(policy.minReleaseAge());
    }

    public boolean requiresReleaseAge() {
        return !policy.minReleaseAge().isZero();
    }

    public boolean allowUnknownAge() {
        return policy.allowUnknownAge();
    }

    /** True when the candidate's release time is unknown (no time, or its source is UNKNOWN). */
    public boolean releaseTimeUnknown() {
        return candidate.releaseTime() == null || candidate.releaseTimeSource() == ReleaseTimeSource.UNKNOWN;
    }

    /** When the candidate will be old enough for this scope; null when its release time is unknown. */
    public Instant oldEnoughAt() {
        return releaseTimeUnknown() ? null : candidate.releaseTime().plus(policy.minReleaseAge());
    }

    /**
     * True when the candidate is at least {@code minReleaseAge} old at {@code now}. An unknown release time counts as
     * too new unless {@code allowUnknownAge}.
     */
    public boolean releaseOldEnough(Instant now) {
        if (!requiresReleaseAge()) {
            return true;
        }
        Instant at = oldEnoughAt();
        return at == null ? policy.allowUnknownAge() : !at.isAfter(now);
    }

    public boolean hasMaintenanceWindows() {
        return !policy.maintenanceWindows().isEmpty();
    }

    public List<MaintenanceWindow> maintenanceWindows() {
        return policy.maintenanceWindows();
    }

    /** True inside any maintenance window (always true for a scope without windows). */
    public boolean inMaintenanceWindow(Instant now) {
        return memo.open(now);
    }

    /** When the next maintenance window opens after {@code now}, in that window's zone; null without windows. */
    public ZonedDateTime nextWindowOpening(Instant now) {
        return memo.next(now);
    }

    public List<Freeze> freezes() {
        return policy.freezes();
    }

    public boolean hasFreezes() {
        return !policy.freezes().isEmpty();
    }

    /** The freeze in force at {@code now} (the one ending last), or null. */
    public Freeze activeFreeze(Instant now) {
        return memo.freeze(now);
    }

    public boolean frozen(Instant now) {
        return memo.freeze(now) != null;
    }

    public int approvalsRequired() {
        return policy.approvals().count();
    }

    public Duration approvalDeadline() {
        return policy.approvals().deadline();
    }

    public String approvalDeadlineText() {
        return Durations.format(policy.approvals().deadline());
    }

    public Duration failureCooldown() {
        return policy.failureCooldown();
    }

    public String failureCooldownText() {
        return Durations.format(policy.failureCooldown());
    }

    @Override
    public String toString() {
        return "Scope[" + policy.name() + " for " + candidate.asset().display() + "]";
    }

    /**
     * Calendar answers for one scope at one instant. All candidates of an evaluation call share the instant, so the
     * engine gives every Scope fact of the same policy one memo; each call gets new memos (one thread per call).
     */
    static final class TimeMemo {
        private final ScopePolicy policy;
        private Instant at;
        private boolean open;
        private ZonedDateTime next;
        private boolean nextKnown;
        private Instant freezeAt;
        private Freeze freeze;

        TimeMemo(ScopePolicy policy) {
            this.policy = policy;
        }

        boolean open(Instant now) {
            if (!now.equals(at)) {
                at = now;
                open = policy.inMaintenanceWindow(now);
                nextKnown = false;
            }
            return open;
        }

        ZonedDateTime next(Instant now) {
            open(now);
            if (!nextKnown) {
                next = policy.nextWindowOpening(now);
                nextKnown = true;
            }
            return next;
        }

        Freeze freeze(Instant now) {
            if (!now.equals(freezeAt)) {
                freezeAt = now;
                freeze = policy.activeFreeze(now);
            }
            return freeze;
        }
    }
}
