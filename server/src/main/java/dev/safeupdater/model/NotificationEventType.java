package dev.safeupdater.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a notification is about. {@link #id()} is the name used in the notifications file, in webhook bodies and
 * headers, and in the API ({@code update-held}, ...).
 */
public enum NotificationEventType {
    /** A stored ENFORCE decision is HOLD and its scope still waits for approvals. */
    UPDATE_HELD("update-held", "Update held for approval"),
    /** A vote for a held candidate expired before enough votes came in. */
    APPROVAL_EXPIRED("approval-expired", "Approval expired"),
    /** An update run ended FAILED (nothing was changed, or it could not be applied). */
    UPDATE_FAILED("update-failed", "Update failed"),
    /** An update run was rolled back (and the version pinned). */
    ROLLBACK_DONE("rollback-done", "Update rolled back"),
    /** Rolling an update back failed: the asset needs a person. */
    ROLLBACK_FAILED("rollback-failed", "Rollback failed"),
    /** A rule and policy set was refused (reload from the API, the file watcher or startup); the old set stays. */
    RULESET_REFUSED("ruleset-refused", "Rule set refused"),
    /** Scheduled cycles keep failing. */
    CYCLE_FAILING("cycle-failing", "Cycle failing");

    private final String id;
    private final String title;

    NotificationEventType(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** The name in files, bodies and the API, e.g. {@code update-held}. */
    public String id() {
        return id;
    }

    /** A short human title, e.g. "Update held for approval". */
    public String title() {
        return title;
    }

    /** Every {@link #id()}, in declaration order. */
    public static List<String> ids() {
        return Arrays.stream(values()).map(NotificationEventType::id).toList();
    }

    /** The type named {@code id} (case-insensitive; {@code UPDATE_HELD} also works), or null. */
    public static NotificationEventType fromId(String id) {
        if (id == null) {
            return null;
        }
        String v = id.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (NotificationEventType t : values()) {
            if (t.id.equals(v)) {
                return t;
            }
        }
        return null;
    }
}
