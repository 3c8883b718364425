package dev.safeupdater.model;

import java.time.Instant;

/**
 * Filters for listing audit events; null fields do not filter. {@code action} is exact (e.g. {@code approval.vote})
 * or a prefix ending in a dot ({@code approval.}); {@code resourceType} and {@code resourceId} name the resource;
 * {@code from} is inclusive, {@code to} exclusive.
 */
public record AuditEventFilter(String actor, String action, String resourceType, String resourceId, Instant from,
                               Instant to) {
    public static AuditEventFilter none() {
        return new AuditEventFilter(null, null, null, null, null, null);
    }
}
