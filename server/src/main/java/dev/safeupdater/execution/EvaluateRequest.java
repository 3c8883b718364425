package dev.safeupdater.execution;

import java.util.Map;

/** A candidate to evaluate without storing anything: where it runs, what it runs, what it could run. */
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
                              Map<String, String> annotations) {
}
