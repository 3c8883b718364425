package dev.safeupdater.store;

import java.time.Instant;

import org.jdbi.v3.core.Handle;

/** SQL for the append-only {@code audit_event} table. */
final class AuditDao {
    private static final String INSERT = "INSERT INTO audit_event (at, actor, action, resource_type, resource_id, detail)"
            + " VALUES (:at, :actor, :action, :type, :id, CAST(:detail AS <json>))";

    private final Handle handle;

    AuditDao(Handle handle) {
        this.handle = handle;
    }

    void append(Instant at, String actor, String action, String resourceType, String resourceId, Object detail) {
        handle.createUpdate(INSERT)
                .bind("at", Times.bind(at))
                .bind("actor", actor)
                .bind("action", action)
                .bind("type", resourceType)
                .bind("id", resourceId)
                .bind("detail", detail == null ? null : JsonColumns.write(detail))
                .execute();
    }
}
