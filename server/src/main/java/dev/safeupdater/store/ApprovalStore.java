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
 * Votes for candidates: cast (or renew) one, revoke one, list them. Every change is audited in the same
 * transaction. One person has at most one live vote per asset, tag and digest.
 */
public final class ApprovalStore {
    private final Jdbi jdbi;
    private final Clock clock;

    public ApprovalStore(Database db, Clock clock) {
        this.jdbi = db.jdbi();
        this.clock = clock;
    }

    /**
     * Records {@code approver}'s vote for moving asset {@code assetId} to {@code tag}@{@code digest}. Without a
     * digest, the digest of the newest decision for that tag is used (the version the approver was shown). A vote
     * cast again is renewed (new time, revocation undone). Linked to the newest decision for the tag, if any.
     */
    public Approval vote(long assetId, String tag, String digest, String approver, String comment, Instant expiresAt) {
        return Conflicts.retryOnDuplicateKey(() -> voteOnce(assetId, tag, digest, approver, comment, expiresAt));
    }

    private Approval voteOnce(long assetId, String tag, String digest, String approver, String comment,
                              Instant expiresAt) {
        return jdbi.inTransaction(h -> {
            Instant now = clock.instant();
            ApprovalDao dao = new ApprovalDao(h);
            Optional<Object[]> latest = dao.latestDecision(assetId, tag);
            Long decisionId = latest.map(d -> (Long) d[0]).orElse(null);
            String effectiveDigest = digest != null ? digest : latest.map(d -> (String) d[1]).orElse(null);
            Optional<Approval> existing = dao.findVote(assetId, tag, effectiveDigest, approver);
            long id;
            if (existing.isPresent()) {
                id = existing.get().id();
                dao.renew(id, decisionId, comment, now, expiresAt);
            } else {
                id = dao.insert(assetId, decisionId, tag, effectiveDigest, approver, comment, now, expiresAt);
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("assetId", assetId);
            detail.put("toTag", tag);
            detail.put("toDigest", effectiveDigest);
            detail.put("renewed", existing.isPresent());
            new AuditDao(h).append(now, approver, "approval.vote", "approval", Long.toString(id), detail);
            return dao.findById(id).orElseThrow();
        });
    }

    /** Revokes vote {@code approvalId} of asset {@code assetId}; empty when there is no such vote. */
    public Optional<Approval> revoke(long assetId, long approvalId, String actor) {
        return jdbi.inTransaction(h -> {
            ApprovalDao dao = new ApprovalDao(h);
            Optional<Approval> found = dao.findById(approvalId).filter(a -> a.assetId() == assetId);
            if (found.isEmpty()) {
                return Optional.<Approval>empty();
            }
            Instant now = clock.instant();
            if (dao.revoke(approvalId, now)) {
                new AuditDao(h).append(now, actor, "approval.revoke", "approval", Long.toString(approvalId),
                        Map.of("assetId", assetId, "toTag", found.get().toTag()));
            }
            return dao.findById(approvalId);
        });
    }

    /** Votes of an asset, newest first (only for {@code tag} when it is not null), at most {@code limit}. */
    public List<Approval> list(long assetId, String tag, int limit) {
        return jdbi.withHandle(h -> new ApprovalDao(h).list(assetId, tag, limit));
    }
}
