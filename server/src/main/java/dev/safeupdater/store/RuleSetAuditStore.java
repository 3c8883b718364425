package dev.safeupdater.store;

import java.time.Instant;
import java.util.Map;

import org.jdbi.v3.core.Jdbi;

/**
 * The audit trail of rule and policy sets: every activation ({@code ruleset.activate}) and every refusal
 * ({@code ruleset.refuse}), whoever asked (an API caller, the file watcher, startup), appended to
 * {@code audit_event} with resource type {@code ruleset} and the rule-set revision as the resource id.
 */
public final class RuleSetAuditStore {
    public static final String ACTIVATE = "ruleset.activate";
    public static final String REFUSE = "ruleset.refuse";
    static final String RESOURCE_TYPE = "ruleset";

    private final Jdbi jdbi;

    public RuleSetAuditStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /** Appends one event; {@code revision} may be null (a refused set whose files could not be read). */
    public void append(Instant at, String actor, String action, String revision, Map<String, Object> detail) {
        jdbi.useTransaction(h -> new AuditDao(h).append(at, actor, action, RESOURCE_TYPE, revision, detail));
    }
}
