package dev.safeupdater.execution;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.DecisionFilter;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.InvalidCursorException;
import dev.safeupdater.version.ChangeClassifier;

/**
 * Decisions: evaluate a candidate without storing anything (dry run), decide for a stored asset and record the
 * decision, read stored decisions.
 */
public final class DecisionService {
    private static final String DEFAULT_SOURCE = "static";
    private static final String ENFORCE = "ENFORCE";

    private final PolicyEngine policy;
    private final AssetStore assets;
    private final DecisionStore decisions;
    private final Clock clock;
    private final DecisionLog log = new DecisionLog();

    /** {@code assets} and {@code decisions} may be null for in-process evaluation without a database. */
    public DecisionService(PolicyEngine policy, AssetStore assets, DecisionStore decisions, Clock clock) {
        this.policy = policy;
        this.assets = assets;
        this.decisions = decisions;
        this.clock = clock;
    }

    /** Evaluates a candidate against the active rules. Writes nothing. */
    public Evaluation evaluate(EvaluateRequest r) {
        new InputCheck()
                .required("image", r.image()).image("image", r.image())
                .required("currentTag", r.currentTag()).tag("currentTag", r.currentTag())
                .required("candidateTag", r.candidateTag()).tag("candidateTag", r.candidateTag())
                .digest("currentDigest", r.currentDigest()).digest("candidateDigest", r.candidateDigest())
                .name("source", r.source()).name("cluster", r.cluster()).name("namespace", r.namespace())
                .name("kind", r.kind()).name("name", r.name()).name("container", r.container())
                .labels("labels", r.labels()).labels("annotations", r.annotations())
                .throwIfAny();
        AssetKey key = new AssetKey(Objects.requireNonNullElse(r.source(), DEFAULT_SOURCE), r.cluster(),
                r.namespace(), r.kind(), r.name(), r.container());
        Candidate candidate = candidate(key, r.labels(), r.annotations(), r.image(), r.currentTag(),
                r.currentDigest(), r.candidateTag(), r.candidateDigest());
        Evaluation e = policy.evaluate(candidate);
        log.record(e, null, null, false);
        return e;
    }

    /** Evaluates {@code r} for stored asset {@code assetId} and appends the decision to the store. */
    public Decision decide(long assetId, DecideRequest r, String actor) {
        new InputCheck()
                .required("candidateTag", r.candidateTag()).tag("candidateTag", r.candidateTag())
                .digest("candidateDigest", r.candidateDigest())
                .throwIfAny();
        Asset asset = assets.find(assetId).orElseThrow(() -> new NotFoundException("asset", assetId));
        Candidate candidate = candidate(asset.key(), asset.labels(), asset.annotations(), asset.image(),
                asset.currentTag(), asset.currentDigest(), r.candidateTag(), r.candidateDigest());
        Evaluation e = policy.evaluate(candidate);
        Decision stored = decisions.append(new Decision(0, assetId, candidate.currentTag(), candidate.candidateTag(),
                candidate.currentDigest(), candidate.candidateDigest(), candidate.changeType(), e.outcome(),
                e.reasons(), e.firedRules(), e.decidedBy(), e.rulesetRevision(), null, null, ENFORCE,
                Map.of("candidate", candidate), actor, clock.instant()));
        log.record(e, assetId, stored.id(), true);
        return stored;
    }

    public Decision find(long id) {
        return decisions.find(id).orElseThrow(() -> new NotFoundException("decision", id));
    }

    public Page<Decision> list(DecisionFilter filter, String cursor, int limit) {
        try {
            return decisions.list(filter, cursor, limit);
        } catch (InvalidCursorException e) {
            throw new InvalidInputException(List.of(new FieldError("cursor", "is not a cursor of this listing")));
        }
    }

    private static Candidate candidate(AssetKey key, Map<String, String> labels, Map<String, String> annotations,
                                       String image, String currentTag, String currentDigest, String candidateTag,
                                       String candidateDigest) {
        ChangeType type = ChangeClassifier.classify(currentTag, currentDigest, candidateTag, candidateDigest);
        return new Candidate(key, labels, annotations, image, currentTag, currentDigest, candidateTag,
                candidateDigest, type, ChangeClassifier.isPrerelease(currentTag), null, ReleaseTimeSource.UNKNOWN);
    }
}
