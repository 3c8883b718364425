package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

import dev.safeupdater.model.AuditEvent;
import dev.safeupdater.model.AuditEventFilter;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** Read-only SQL over the append-only {@code audit_event} table (writes are in {@link AuditDao}). */
final class AuditEventDao {
    private static final String SELECT = "SELECT id, at, actor, action, resource_type, resource_id, detail"
            + " FROM audit_event";

    private final Handle handle;

    AuditEventDao(Handle handle) {
        this.handle = handle;
    }

    private static Where where(AuditEventFilter f) {
        String action = f.action();
        boolean prefix = action != null && action.endsWith(".");
        return new Where()
                .eq("actor", "actor", f.actor())
                .when(prefix ? null : action, "action = :action", "action")
                .when(prefix ? Like.prefix(action) : null, "action LIKE :actionPrefix ESCAPE '!'", "actionPrefix")
                .eq("resource_type", "type", f.resourceType())
                .eq("resource_id", "rid", f.resourceId())
                .when(f.from(), "at >= :from", "from")
                .when(f.to(), "at < :to", "to");
    }

    private static final String ORDER = " ORDER BY at DESC, id DESC";

    /** Newest first (by time, then id): events before {@code before} that pass the filter. */
    List<AuditEvent> list(AuditEventFilter f, Keyset.At before, int limit) {
        Where w = where(f).before("at", "id", before);
        return w.bind(handle.createQuery(SELECT + w.sql() + ORDER + " LIMIT :limit"))
                .bind("limit", limit).map(AuditEventDao::map).list();
    }

    void forEach(AuditEventFilter f, Consumer<AuditEvent> sink) {
        Where w = where(f);
        Streams.each(w.bind(handle.createQuery(SELECT + w.sql() + ORDER)), AuditEventDao::map, sink);
    }

    static AuditEvent map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new AuditEvent(rs.getLong("id"), Times.read(rs, "at"), rs.getString("actor"), rs.getString("action"),
                rs.getString("resource_type"), rs.getString("resource_id"),
                JsonColumns.objectMap(rs.getString("detail")));
    }
}
