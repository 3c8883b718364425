package dev.safeupdater.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

import dev.safeupdater.model.Approval;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.History;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.PendingApproval;
import dev.safeupdater.policy.Approvals;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.ScopePolicy;
import dev.safeupdater.store.ApprovalStore;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.HistoryStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approvals: what waits for whom, approving or rejecting a held decision, and expiring votes that outlived their
 * scope's deadline. The voter is whoever the shell authenticated; one vote per person per candidate (a new vote
 * replaces the person's earlier one); votes are for a tag and digest, so a new digest behind the same tag starts
 * from no votes; a rejection pins the version for the asset, so the next decision rejects it. The policy counts the
 * votes itself (rule {@code approvals-required}): once enough are in, the next decision is APPROVE.
 */
public final class ApprovalService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalService.class);
    private static final int MAX_COMMENT = 2000;

    private final ApprovalStore votes;
    private final DecisionStore decisions;
    private final AssetStore assets;
    private final HistoryStore history;
    private final PolicyEngine policy;
    private final Clock clock;
    private volatile Notifier notifier = Notifier.NONE;
    private volatile Thread sweeper;

    public ApprovalService(ApprovalStore votes, DecisionStore decisions, AssetStore assets, HistoryStore history,
                           PolicyEngine policy, Clock clock) {
        this.votes = votes;
        this.decisions = decisions;
        this.assets = assets;
        this.history = history;
        this.policy = policy;
        this.clock = clock;
    }

    /** Expired votes are announced to {@code notifier} (none by default). */
    public void notifyTo(Notifier notifier) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
    }

    /** The approvals knob of the scope named {@code scope} in the active policy; none when unknown. */
    private Approvals approvals(String scope) {
        if (scope == null) {
            return Approvals.NONE;
        }
        return policy.snapshot().flatMap(s -> s.policies().scopes().stream()
                        .filter(p -> p.name().equals(scope)).findFirst())
                .map(ScopePolicy::approvals).orElse(Approvals.NONE);
    }

    /**
     * What waits for votes, oldest first: held candidates whose scope requires approvals, with the votes that count
     * now, how many are needed and when the oldest counted vote lapses. Rejected (pinned) candidates are not listed.
     */
    public List<PendingApproval> pending() {
        expireDue();
        Instant now = clock.instant();
        List<PendingApproval> out = new ArrayList<>();
        for (ApprovalStore.Held h : votes.held()) {
            Approvals needed = approvals(h.scope());
            if (!needed.required()) {
                continue;
            }
            History past = history.history(h.assetId(), h.toTag(), h.toDigest(), now, now);
            boolean pinned = past.pins().stream().anyMatch(p -> p.tag().equals(h.toTag())
                    && (p.digest() == null || h.toDigest() == null || p.digest().equals(h.toDigest())));
            if (pinned) {
                continue;
            }
            Instant since = now.minus(needed.deadline());
            Map<String, Instant> counted = new HashMap<>();
            for (History.Approval v : past.approvals()) {
                if (!v.at().isBefore(since)) {
                    counted.merge(v.approver(), v.at(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
            Instant oldest = counted.values().stream().min(Instant::compareTo).orElse(null);
            out.add(new PendingApproval(h.decisionId(), h.assetId(), h.asset(), h.image(), h.fromTag(), h.toTag(),
                    h.toDigest(), h.changeType(), h.scope(), h.heldSince(), List.copyOf(new TreeSet<>(counted.keySet())),
                    counted.size(), needed.count(), needed.deadline(),
                    oldest == null ? null : oldest.plus(needed.deadline())));
        }
        return out;
    }

    /** {@code voter} approves the candidate of held decision {@code decisionId}. */
    public Approval approve(long decisionId, String comment, String voter) {
        return vote(decisionId, Approval.APPROVE, comment, voter);
    }

    /** {@code voter} rejects the candidate of held decision {@code decisionId}: the version is pinned for the asset. */
    public Approval reject(long decisionId, String comment, String voter) {
        return vote(decisionId, Approval.REJECT, comment, voter);
    }

    private Approval vote(long decisionId, String vote, String comment, String voter) {
        new InputCheck().maxLength("comment", comment, MAX_COMMENT).throwIfAny();
        Decision d = decisions.find(decisionId).orElseThrow(() -> new NotFoundException("decision", decisionId));
        if (d.outcome() != Outcome.HOLD) {
            throw new ConflictException("decision " + decisionId + " is " + d.outcome()
                    + ", not held: only a held candidate takes votes");
        }
        Optional<Decision> newer = decisions.latestFor(d.assetId(), d.toTag())
                .filter(n -> !Objects.equals(n.toDigest(), d.toDigest()));
        if (newer.isPresent()) {
            throw new ConflictException("a newer digest (" + newer.get().toDigest() + ") is behind tag " + d.toTag()
                    + " since decision " + newer.get().id() + ": votes start again for it; vote on that decision");
        }
        return votes.cast(d.assetId(), d.toTag(), d.toDigest(), voter, vote, comment, null);
    }

    /**
     * Expires every vote that outlived its scope's deadline (or its own expiry): each is recorded as expired,
     * audited and announced ({@code approval-expired}). Returns how many expired now.
     */
    public int expireDue() {
        Instant now = clock.instant();
        int expired = 0;
        Map<Long, Optional<Decision>> decisionCache = new HashMap<>();
        for (Approval a : votes.liveApprovals()) {
            Optional<Decision> d = a.decisionId() == null ? Optional.empty()
                    : decisionCache.computeIfAbsent(a.decisionId(), decisions::find);
            String scope = d.map(Decision::scope).orElse(null);
            Approvals knob = approvals(scope);
            Duration deadline = knob.deadline();
            boolean own = a.expiresAt() != null && !a.expiresAt().isAfter(now);
            boolean late = !a.createdAt().plus(deadline).isAfter(now);
            if (!own && !late) {
                continue;
            }
            String why = own ? "its expiry passed (" + a.expiresAt() + ")"
                    : "older than the scope's approval deadline (" + deadline + ")";
            Optional<Approval> ended = votes.expire(a.assetId(), a.id(), why);
            if (ended.isEmpty()) {
                continue;
            }
            expired++;
            announce(a, d.orElse(null), scope, knob, now);
        }
        return expired;
    }

    private void announce(Approval a, Decision d, String scope, Approvals knob, Instant now) {
        Optional<Asset> asset = assets.find(a.assetId());
        if (asset.isEmpty()) {
            return;
        }
        int still = history.history(a.assetId(), a.toTag(), a.toDigest(), now, now).approvals().size();
        NotificationEvent.Change change = new NotificationEvent.Change(d == null ? asset.get().currentTag() : d.fromTag(),
                a.toTag(), d == null ? null : d.fromDigest(), a.toDigest(), d == null ? null : d.changeType());
        notifier.publish(NotificationEvent.approvalExpired(NotificationEvent.AssetRef.of(asset.get()), a.id(),
                a.decisionId(), change, scope, a.approver(), still, knob.count(), now));
    }

    /** Expires due votes every {@code interval} in the background until {@link #close()}. */
    public void start(Duration interval) {
        Thread t = Thread.ofVirtual().name("approval-expiry").unstarted(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    int n = expireDue();
                    if (n > 0) {
                        LOG.atInfo().addKeyValue("event", "approvals_expired").addKeyValue("count", n)
                                .log("expired {} approval votes", n);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.atWarn().setCause(e).addKeyValue("event", "approval_expiry_failed")
                            .log("expiring approval votes failed; trying again later");
                }
            }
        });
        sweeper = t;
        t.start();
    }

    @Override
    public void close() {
        Thread t = sweeper;
        if (t != null) {
            t.interrupt();
        }
    }
}
