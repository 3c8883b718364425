package dev.safeupdater.execution;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A candidate to evaluate without storing anything: where it runs, what it runs, what it could run, and
 * optionally when it was released, the time to evaluate at (default: now) and the history to assume (default:
 * none) — what-if questions for policy owners.
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
                              HistoryInput history) {

    public EvaluateRequest(String source, String cluster, String namespace, String kind, String name,
                           String container, String image, String currentTag, String currentDigest,
                           String candidateTag, String candidateDigest, Map<String, String> labels,
                           Map<String, String> annotations) {
        this(source, cluster, namespace, kind, name, container, image, currentTag, currentDigest, candidateTag,
                candidateDigest, labels, annotations, null, null, null, null);
    }

    /** The history to assume: pinned tags, failed runs, votes for the candidate, the last update. */
    public record HistoryInput(List<PinInput> pins, List<FailureInput> failures, List<ApprovalInput> approvals,
                               LastUpdateInput lastUpdate) {
    }

    public record PinInput(String tag, String digest, String reason) {
    }

    /** {@code state}: FAILED, ROLLED_BACK or ROLLBACK_FAILED. */
    public record FailureInput(String tag, String state, Instant at) {
    }

    public record ApprovalInput(String approver, Instant at) {
    }

    public record LastUpdateInput(String fromTag, String toTag, Instant at) {
    }
}
