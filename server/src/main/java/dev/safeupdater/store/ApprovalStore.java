package dev.safeupdater.store;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.Approval;
import org.jdbi.v3.core.Jdbi;

/**
 * Votes for candidates, append-only: cast (a repeated vote replaces the person's earlier one: one vote per person),
 * revoke, expire, list. Every change is audited in the same transaction; a rejection also pins the version for the
 * asset in that transaction.
 */
public final class ApprovalStore {
    static final String RESOURCE_TYPE = "vote";

    private final Jdbi jdbi;
    private final Clock clock;

    public ApprovalStore(Database db, Clock clock) {
        this.jdbi = db.jdbi();
        this.clock = clock;
    }

    /** An APPROVE vote by {@code approver} (see {@link #cast}). */
    public Approval vote(long assetId, String tag, String digest, String approver, String comment, Instant expiresAt) {
        return cast(assetId, tag, digest, approver, Approval.APPROVE, comment, expiresAt);
    }

    /**
     * Records {@code voter}'s {@code vote} (APPROVE or REJECT) for moving asset {@code assetId} to
     * {@code tag}@{@code digest}. Without a digest, the digest of the newest decision for that tag is used (the
     * version the voter was shown). The person's earlier live vote for the candidate is replaced. A REJECT pins the
     * version for the asset ({@code pin.created_by} is the voter), so the policy does not propose it again.
     */
    public Approval cast(long assetId, String tag, String digest, String voter, String vote, String comment,
                         Instant expiresAt) {
        return Conflicts.retryOnDuplicateKey(() -> jdbi.inTransaction(h -> {
            Instant now = clock.instant();
            ApprovalDao dao = new ApprovalDao(h);
            Optional<Object[]> latest = dao.latestDecision(assetId, tag);
            Long decisionId = latest.map(d -> (Long) d[0]).orElse(null);
            String effectiveDigest = digest != null ? digest : latest.map(d -> (String) d[1]).orElse(null);
            Optional<Approval> existing = dao.liveVote(assetId, tag, effectiveDigest, voter);
            long id = dao.insert(assetId, decisionId, tag, effectiveDigest, voter, vote, comment, now, expiresAt,
                    existing.map(Approval::id).orElse(null));
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("assetId", assetId);
            detail.put("decisionId", decisionId);
            detail.put("toTag", tag);
            detail.put("toDigest", effectiveDigest);
            detail.put("vote", vote);
            detail.put("renewed", existing.isPresent());
            if (comment != null) {
                detail.put("comment", comment);
            }
            new AuditDao(h).append(now, voter, vote.equals(Approval.REJECT) ? "approval.reject" : "approval.vote",
                    RESOURCE_TYPE, Long.toString(id), detail);
            if (vote.equals(Approval.REJECT)) {
                String reason = "rejected by " + voter + (comment == null || comment.isBlank() ? "" : ": " + comment);
                dao.pin(assetId, tag, effectiveDigest, reason, voter, now);
                new AuditDao(h).append(now, voter, "pin.create", "asset", Long.toString(assetId),
                        Map.of("tag", tag, "reason", reason, "vote", id));
            }
            return dao.findById(id).orElseThrow();
        }));
    }

    /** Revokes vote {@code approvalId} of asset {@code assetId}; empty when there is no such vote. */
    public Optional<Approval> revoke(long assetId, long approvalId, String actor) {
        return end(assetId, approvalId, actor, "REVOKE", "approval.revoke", null);
    }

    /**
     * Records that vote {@code approvalId} expired ({@code why}: the deadline or its own expiry). Returns the vote
     * as it ends, or empty when something else (a revocation, a renewal, another replica's expiry) ended it first.
     */
    public Optional<Approval> expire(long assetId, long approvalId, String why) {
        try {
            return end(assetId, approvalId, "system:approvals", "EXPIRE", "approval.expire", why)
                    .filter(a -> a.expiredAt() != null);
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            if (Conflicts.isUniqueViolation(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<Approval> end(long assetId, long approvalId, String actor, String as, String action,
                                   String why) {
        return jdbi.inTransaction(h -> {
            ApprovalDao dao = new ApprovalDao(h);
            Optional<Approval> found = dao.findById(approvalId).filter(a -> a.assetId() == assetId);
            if (found.isEmpty()) {
                return Optional.<Approval>empty();
            }
            Approval a = found.get();
            if (a.revokedAt() == null && a.expiredAt() == null
                    && dao.liveVote(assetId, a.toTag(), a.toDigest(), a.approver()).filter(l -> l.id() == a.id())
                            .isPresent()) {
                Instant now = clock.instant();
                long id = dao.insert(assetId, a.decisionId(), a.toTag(), a.toDigest(), a.approver(), as, why, now,
                        null, a.id());
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("assetId", assetId);
                detail.put("toTag", a.toTag());
                detail.put("vote", approvalId);
                if (why != null) {
                    detail.put("reason", why);
                }
                new AuditDao(h).append(now, actor, action, RESOURCE_TYPE, Long.toString(id), detail);
            }
            return dao.findById(approvalId);
        });
    }

    /** Votes of an asset, newest first (only for {@code tag} when it is not null), at most {@code limit}. */
    public List<Approval> list(long assetId, String tag, int limit) {
        return jdbi.withHandle(h -> new ApprovalDao(h).list(assetId, tag, limit));
    }

    /** A held decision: the newest for its asset, HOLD, in an enforcing scope (see {@link #held()}). */
    public record Held(long decisionId, long assetId, dev.safeupdater.model.AssetKey asset, String image,
                       String fromTag, String toTag, String toDigest, dev.safeupdater.model.ChangeType changeType,
                       String scope, Instant heldSince) {
    }

    /** The newest decision of every current asset that is HOLD in an enforcing scope, oldest held first. */
    public List<Held> held() {
        return jdbi.withHandle(h -> new ApprovalDao(h).held());
    }

    /** Every APPROVE vote that nothing replaced, revoked or expired yet, oldest first. */
    public List<Approval> liveApprovals() {
        return jdbi.withHandle(h -> new ApprovalDao(h).liveApprovals());
    }
}
