package dev.safeupdater.store;

import java.time.Instant;
import java.util.Map;

import org.jdbi.v3.core.Jdbi;

/**
 * Refused API calls: every mutation refused for a missing, unknown or too weak token is appended to
 * {@code audit_event} as {@code access.refuse} with resource type {@code api} and the route as the resource id.
 */
public final class AccessAuditStore {
    public static final String REFUSE = "access.refuse";
    static final String RESOURCE_TYPE = "api";
    private static final int MAX_ID = 64;

    private final Jdbi jdbi;

    public AccessAuditStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /** Appends one refusal; {@code route} is cut to the column's 64 characters. */
    public void refused(Instant at, String actor, String route, Map<String, Object> detail) {
        String id = route.length() > MAX_ID ? route.substring(0, MAX_ID) : route;
        jdbi.useTransaction(h -> new AuditDao(h).append(at, actor, REFUSE, RESOURCE_TYPE, id, detail));
    }
}
