package dev.safeupdater.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.safeupdater.model.Approval;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.History;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.ScopeMatch;
import dev.safeupdater.policy.Subject;
import dev.safeupdater.store.ApprovalStore;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.HistoryStore;

/**
 * Decisions: evaluate a candidate without storing anything (what-if, with an explanation), decide for a stored
 * asset — its scope, its history from the store, the release time the registry scan recorded — and append the
 * decision with everything the rules saw; votes for candidates; read stored decisions.
 */
public final class DecisionService {
    private static final String DEFAULT_SOURCE = "static";
    static final int MAX_APPROVALS_LISTED = 200;
    private static final int MAX_COMMENT = 2000;
    private static final int MAX_HISTORY_ITEMS = 100;

    private final PolicyEngine policy;
    private final AssetStore assets;
    private final DecisionStore decisions;
    private final HistoryStore history;
    private final ApprovalStore approvals;
    private final Clock clock;
    private final DecisionLog log = new DecisionLog();
    private volatile Notifier notifier = Notifier.NONE;
    private volatile RunPlanner planner;

    /** {@code assets} and {@code decisions} may be null for in-process evaluation without a database. */
    public DecisionService(PolicyEngine policy, AssetStore assets, DecisionStore decisions, Clock clock) {
        this(policy, assets, decisions, null, null, clock);
    }

    /** All stores may be null for in-process evaluation without a database. */
    public DecisionService(PolicyEngine policy, AssetStore assets, DecisionStore decisions, HistoryStore history,
                           ApprovalStore approvals, Clock clock) {
        this.policy = policy;
        this.assets = assets;
        this.decisions = decisions;
        this.history = history;
        this.approvals = approvals;
        this.clock = clock;
    }

    /**
     * Evaluates a candidate against the active rules and policies, at {@code r.at()} (default now) with the history
     * given in the request (default none). Writes nothing; the evaluation explains itself.
     */
    public Evaluation evaluate(EvaluateRequest r) {
        InputCheck check = new InputCheck()
                .required("image", r.image()).image("image", r.image())
                .required("currentTag", r.currentTag()).tag("currentTag", r.currentTag())
                .required("candidateTag", r.candidateTag()).tag("candidateTag", r.candidateTag())
                .digest("currentDigest", r.currentDigest()).digest("candidateDigest", r.candidateDigest())
                .name("source", r.source()).name("cluster", r.cluster()).name("namespace", r.namespace())
                .name("kind", r.kind()).name("name", r.name()).name("container", r.container())
                .labels("labels", r.labels()).labels("annotations", r.annotations());
        ReleaseTimeSource source = releaseSource(check, r.releaseTimeSource(), r.releaseTime());
        History assumed = history(check, r.history());
        check.throwIfAny();
        AssetKey key = new AssetKey(Objects.requireNonNullElse(r.source(), DEFAULT_SOURCE), r.cluster(),
                r.namespace(), r.kind(), r.name(), r.container());
        Candidate candidate = Candidates.of(key, r.labels(), r.annotations(), r.image(), r.currentTag(),
                r.currentDigest(), r.candidateTag(), r.candidateDigest(), r.releaseTime(), source);
        PolicySnapshot snapshot = policy.require();
        Instant at = r.at() != null ? r.at() : clock.instant();
        Evaluation e = PolicyEngine.evaluate(snapshot,
                List.of(new Subject(candidate, snapshot.policies().explain(candidate), assumed)), at).getFirst();
        log.evaluated(e);
        return e;
    }

    /**
     * Decides moving stored asset {@code assetId} to {@code r.candidateTag()} now, with the asset's history, and
     * appends the decision: outcome, reasons, fired rules with metadata, rule-set and policy revisions, scope, mode
     * (DRY_RUN for dry-run scopes), inputs, actor and time.
     */
    public Decision decide(long assetId, DecideRequest r, String actor) {
        new InputCheck()
                .required("candidateTag", r.candidateTag()).tag("candidateTag", r.candidateTag())
                .digest("candidateDigest", r.candidateDigest())
                .throwIfAny();
        Asset asset = assets.find(assetId).orElseThrow(() -> new NotFoundException("asset", assetId));
        if (asset.goneAt() != null) {
            throw new ConflictException("asset " + assetId + " is gone since " + asset.goneAt()
                    + " (its source no longer lists it): nothing is decided for it");
        }
        Instant now = clock.instant();
        // listings are recorded under the canonical name (nginx → docker.io/library/nginx)
        String image = TagService.storageName(asset.image());
        HistoryStore.Release recorded = recorded(image, r.candidateTag());
        String digest = r.candidateDigest();
        if (digest != null && recorded.digest() != null && !digest.equals(recorded.digest())) {
            throw new CandidateRefusedException(List.of(new FieldError("candidateDigest", "is not what "
                    + r.candidateTag() + " points to in the registry's recorded listing of " + image + " ("
                    + recorded.digest() + ")")));
        }
        if (digest == null) {
            digest = recorded.digest();
        }
        // only release times the registry stage recorded count for a stored decision
        Instant releaseTime = recorded.time();
        ReleaseTimeSource source = releaseTime == null ? ReleaseTimeSource.UNKNOWN : parseSource(recorded.source());
        Candidate candidate = Candidates.of(asset.key(), asset.labels(), asset.annotations(), asset.image(),
                asset.currentTag(), asset.currentDigest(), r.candidateTag(), digest, releaseTime, source);
        PolicySnapshot snapshot = policy.require();
        ScopeMatch scope = snapshot.policies().explain(candidate);
        // failures within the same window the engine applies to every history (History.FAILURE_WINDOW or longer)
        Duration lookback = new Subject(candidate, scope, null).failureWindow();
        History past = history == null ? History.EMPTY
                : history.history(assetId, r.candidateTag(), digest, now.minus(lookback), now);
        Evaluation e = PolicyEngine.evaluate(snapshot, List.of(new Subject(candidate, scope, past)), now).getFirst();
        Decision stored = decisions.append(new Decision(0, assetId, candidate.currentTag(), candidate.candidateTag(),
                candidate.currentDigest(), candidate.candidateDigest(), candidate.changeType(), e.outcome(),
                e.reasons(), e.firedRules(), e.decidedBy(), e.rulesetRevision(), e.policyRevision(), e.scopeName(),
                e.mode().name(), inputs(e), actor, now));
        log.record(e, assetId, stored.id(), true);
        HeldForApproval.event(asset, stored, e).ifPresent(notifier::publish);
        RunPlanner p = planner;
        if (p != null) {
            p.enqueueApproved(List.of(stored)); // a run only for APPROVE in enforce mode, when apply.enabled
        }
        return stored;
    }

    /**
     * The candidate tag as the registry stage recorded it in {@code image}'s listing; refused when the listing does
     * not hold it, or when no listing has been recorded at all.
     */
    private HistoryStore.Release recorded(String image, String tag) {
        HistoryStore.Release release = history == null ? null : history.release(image, tag).orElse(null);
        if (release != null) {
            return release;
        }
        int listed = history == null ? 0 : history.listedTags(image);
        if (listed == 0) {
            throw new ConflictException("no registry listing of " + image + " is recorded yet, so " + tag
                    + " cannot be checked: a scan's discovery or GET /api/v1/tags?image=" + image + " records one");
        }
        throw new CandidateRefusedException(List.of(new FieldError("candidateTag", "is not in the registry's listing"
                + " of " + image + " (" + listed + (listed == 1 ? " tag" : " tags") + " recorded)")));
    }

    /** What a decision record keeps as its inputs: the facts the rules saw and the time they saw them at. */
    static Map<String, Object> inputs(Evaluation e) {
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("candidate", e.candidate());
        inputs.put("scope", e.scope() == null ? null : e.scope().explanation());
        inputs.put("history", e.history());
        inputs.put("evaluatedAt", e.evaluatedAt().toString());
        return inputs;
    }

    /** Records {@code actor}'s vote for moving asset {@code assetId} to a candidate; a repeated vote is renewed. */
    public Approval approve(long assetId, ApprovalRequest r, String actor) {
        new InputCheck()
                .required("candidateTag", r.candidateTag()).tag("candidateTag", r.candidateTag())
                .digest("candidateDigest", r.candidateDigest())
                .maxLength("comment", r.comment(), MAX_COMMENT)
                .future("expiresAt", r.expiresAt(), clock.instant())
                .throwIfAny();
        assets.find(assetId).orElseThrow(() -> new NotFoundException("asset", assetId));
        return approvals.vote(assetId, r.candidateTag(), r.candidateDigest(), actor, r.comment(), r.expiresAt());
    }

    /** Votes of an asset, newest first; only those for {@code candidateTag} when given. */
    public List<Approval> approvals(long assetId, String candidateTag) {
        new InputCheck().tag("candidateTag", candidateTag).throwIfAny();
        assets.find(assetId).orElseThrow(() -> new NotFoundException("asset", assetId));
        return approvals.list(assetId, candidateTag, MAX_APPROVALS_LISTED);
    }

    /** Revokes a vote; it no longer counts. */
    public Approval revokeApproval(long assetId, long approvalId, String actor) {
        return approvals.revoke(assetId, approvalId, actor)
                .orElseThrow(() -> new NotFoundException("approval", approvalId + " of asset " + assetId));
    }

    public Decision find(long id) {
        return decisions.find(id).orElseThrow(() -> new NotFoundException("decision", id));
    }

    public Page<Decision> list(DecisionFilter filter, String cursor, int limit) {
        return decisions.list(filter, cursor, limit);
    }

    /**
     * The history a what-if states, checked and completed: every tag valid, failure states known (default FAILED),
     * pins with a reason and their author ({@code request}), votes with an approver.
     */
    private static History history(InputCheck check, History in) {
        if (in == null) {
            return History.EMPTY;
        }
        List<History.Pin> pins = new ArrayList<>();
        List<History.Failure> failures = new ArrayList<>();
        List<History.Approval> votes = new ArrayList<>();
        int i = 0;
        for (History.Pin p : limited(check, "history.pins", in.pins())) {
            String f = "history.pins[" + i++ + "]";
            if (p == null || p.tag() == null) {
                check.required(f + ".tag", null);
                continue;
            }
            check.tag(f + ".tag", p.tag()).digest(f + ".digest", p.digest());
            pins.add(new History.Pin(p.tag(), p.digest(), Objects.requireNonNullElse(p.reason(), "pinned"),
                    Objects.requireNonNullElse(p.createdBy(), "request"), p.createdAt()));
        }
        i = 0;
        for (History.Failure x : limited(check, "history.failures", in.failures())) {
            String f = "history.failures[" + i++ + "]";
            if (x == null || x.at() == null) {
                check.required(f + ".at", null);
                continue;
            }
            String state = x.state() == null ? "FAILED" : x.state().toUpperCase(Locale.ROOT);
            check.oneOf(f + ".state", state, List.of("FAILED", "ROLLED_BACK", "ROLLBACK_FAILED"));
            check.tag(f + ".fromTag", x.fromTag()).tag(f + ".toTag", x.toTag()).digest(f + ".toDigest", x.toDigest());
            failures.add(new History.Failure(x.fromTag(), x.toTag(), x.toDigest(), state, x.at(), x.error()));
        }
        i = 0;
        for (History.Approval a : limited(check, "history.approvals", in.approvals())) {
            String f = "history.approvals[" + i++ + "]";
            if (a == null || a.approver() == null || a.approver().isBlank()) {
                check.required(f + ".approver", null);
                continue;
            }
            check.name(f + ".approver", a.approver());
            votes.add(new History.Approval(a.approver(), a.at()));
        }
        return new History(failures, pins, votes, in.lastUpdate());
    }

    private static <T> List<T> limited(InputCheck check, String field, List<T> items) {
        if (items == null) {
            return List.of();
        }
        if (items.size() > MAX_HISTORY_ITEMS) {
            check.fail(field, "has more than " + MAX_HISTORY_ITEMS + " entries");
            return List.of();
        }
        return items;
    }

    /** A what-if's release time is the caller's ({@code CALLER}) unless the caller says which source it plays. */
    private static ReleaseTimeSource releaseSource(InputCheck check, String given, Instant releaseTime) {
        if (given == null) {
            return releaseTime == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.CALLER;
        }
        String v = given.toUpperCase(Locale.ROOT);
        check.oneOf("releaseTimeSource", v, List.of("CALLER", "REGISTRY", "IMAGE_CONFIG", "UNKNOWN"));
        return parseSource(v);
    }

    private static ReleaseTimeSource parseSource(String v) {
        try {
            return v == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return ReleaseTimeSource.UNKNOWN;
        }
    }

    /** Stored decisions are handed to {@code planner}, which queues update runs for the approved ones. */
    public void planTo(RunPlanner planner) {
        this.planner = planner;
    }

    /** Stored decisions held for approval are announced to {@code notifier} (none by default). */
    public void notifyTo(Notifier notifier) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
    }
}
