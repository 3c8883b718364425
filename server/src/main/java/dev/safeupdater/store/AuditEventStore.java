package dev.safeupdater.store;

import java.util.function.Consumer;

import dev.safeupdater.model.AuditEvent;
import dev.safeupdater.model.AuditEventFilter;
import dev.safeupdater.model.Page;
import org.jdbi.v3.core.Jdbi;

/** Reading the audit trail: filtered pages newest first (by time, then id) and a filtered export. */
public final class AuditEventStore {
    private static final String CURSOR_KIND = "audit";

    private final Jdbi jdbi;

    public AuditEventStore(Database db) {
        this.jdbi = db.jdbi();
    }

    public Page<AuditEvent> list(AuditEventFilter filter, String cursor, int limit) {
        return Keyset.newestFirstByTime(CURSOR_KIND, cursor, limit,
                (before, n) -> jdbi.withHandle(h -> new AuditEventDao(h).list(filter, before, n)),
                e -> new Keyset.At(e.at(), e.id()));
    }

    public void forEach(AuditEventFilter filter, Consumer<AuditEvent> sink) {
        jdbi.useTransaction(h -> new AuditEventDao(h).forEach(filter, sink));
    }
}
