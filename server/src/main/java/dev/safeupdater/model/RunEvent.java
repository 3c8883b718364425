package dev.safeupdater.model;

import java.time.Instant;
import java.util.Map;

/** One transition of an update run, append-only: from which state to which, by whom, when, and what was seen. */
public record RunEvent(long id, long runId, String fromState, String toState, String actor, Map<String, Object> detail,
                       Instant at) {
}
