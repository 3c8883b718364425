package dev.safeupdater.execution;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.CandidateBuilder;
import dev.safeupdater.policy.CandidateSpec;
import dev.safeupdater.version.ChangeClassifier;

/**
 * Builds candidate facts the one way the server does: change type and prerelease flags from the version stage.
 * Also serves owner test cases (as the policy stage's {@link CandidateBuilder}).
 */
public final class Candidates implements CandidateBuilder {
    @Override
    public Candidate build(CandidateSpec s) {
        AssetKey key = new AssetKey(Objects.requireNonNullElse(s.source(), "static"), s.cluster(), s.namespace(),
                s.kind(), s.name(), s.container());
        ChangeType type = s.changeType() != null ? s.changeType()
                : ChangeClassifier.classify(s.currentTag(), s.currentDigest(), s.candidateTag(), s.candidateDigest());
        return new Candidate(key, s.labels(), s.annotations(), s.image(), s.currentTag(), s.currentDigest(),
                s.candidateTag(), s.candidateDigest(), type, ChangeClassifier.isPrerelease(s.currentTag()),
                s.releaseTime(), s.releaseTimeSource(), ChangeClassifier.isPrerelease(s.candidateTag()));
    }

    /** The candidate of moving {@code key} from its current tag to {@code candidateTag}. */
    static Candidate of(AssetKey key, Map<String, String> labels, Map<String, String> annotations, String image,
                        String currentTag, String currentDigest, String candidateTag, String candidateDigest,
                        Instant releaseTime, ReleaseTimeSource releaseTimeSource) {
        return new Candidates().build(new CandidateSpec(key.source(), key.cluster(), key.namespace(), key.kind(),
                key.name(), key.container(), labels, annotations, image, currentTag, currentDigest, candidateTag,
                candidateDigest, null, releaseTime, releaseTime == null ? ReleaseTimeSource.UNKNOWN
                : releaseTimeSource));
    }
}
