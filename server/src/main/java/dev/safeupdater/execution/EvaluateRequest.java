package dev.safeupdater.execution;

import java.time.Instant;
import java.util.Map;

import dev.safeupdater.model.History;

/**
 * A candidate to evaluate without storing anything: where it runs, what it runs, what it could run, and
 * optionally when it was released, the time to evaluate at (default: now) and the history to assume (default:
 * none) — what-if questions for policy owners. The history has the one shape of an asset's past
 * ({@link History}: {@code pins [{tag, digest?, reason?}]}, {@code failures [{toTag?, state?, at}]},
 * {@code approvals [{approver, at?}]}, {@code lastUpdate {fromTag, toTag, at}}); failures count within the same
 * window as for stored decisions (7 days, or the scope's failureCooldown when longer, before {@code at}).
 *
 * @param releaseTimeSource CALLER, REGISTRY, IMAGE_CONFIG or UNKNOWN; defaults to CALLER (the time is the caller's,
 *                          not the registry's) when a release time is given
 */
public record EvaluateRequest(String source,
                              String cluster,
                              String namespace,
                              String kind,
                              String name,
                              String container,
                              String image,
                              String currentTag,
                              String currentDigest,
                              String candidateTag,
                              String candidateDigest,
                              Map<String, String> labels,
                              Map<String, String> annotations,
                              Instant releaseTime,
                              String releaseTimeSource,
                              Instant at,
                              History history) {

    public EvaluateRequest(String source, String cluster, String namespace, String kind, String name,
                           String container, String image, String currentTag, String currentDigest,
                           String candidateTag, String candidateDigest, Map<String, String> labels,
                           Map<String, String> annotations) {
        this(source, cluster, namespace, kind, name, container, image, currentTag, currentDigest, candidateTag,
                candidateDigest, labels, annotations, null, null, null, null);
    }
}
