package dev.safeupdater.model;

import java.time.Instant;
import java.util.Map;

/** One audited mutation, append-only: who did what to which resource, when, and what else was recorded. */
public record AuditEvent(long id, Instant at, String actor, String action, String resourceType, String resourceId,
                         Map<String, Object> detail) {
}
