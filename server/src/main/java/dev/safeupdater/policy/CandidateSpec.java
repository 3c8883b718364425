package dev.safeupdater.policy;

import java.time.Instant;
import java.util.Map;

import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.ReleaseTimeSource;

/**
 * A candidate as owners describe it in test cases: coordinates, tags and release time. {@code changeType} may be
 * null, then a {@link CandidateBuilder} works it out from the tags as the server would.
 */
public record CandidateSpec(String source,
                            String cluster,
                            String namespace,
                            String kind,
                            String name,
                            String container,
                            Map<String, String> labels,
                            Map<String, String> annotations,
                            String image,
                            String currentTag,
                            String currentDigest,
                            String candidateTag,
                            String candidateDigest,
                            ChangeType changeType,
                            Instant releaseTime,
                            ReleaseTimeSource releaseTimeSource) {
}
