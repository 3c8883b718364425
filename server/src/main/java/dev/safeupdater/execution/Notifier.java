package dev.safeupdater.execution;

import dev.safeupdater.model.NotificationEvent;

/**
 * Where events worth a notification are published (update held for approval, approval expired, update failed,
 * rollback done, rollback failed, rule set refused, cycle failing): build the event with the static method of
 * {@link NotificationEvent} for its type and call {@link #publish}. Publishing queues the event durably for the
 * receivers configured for it and returns; delivery happens in the background, so a slow or failing receiver never
 * holds up the caller.
 */
@FunctionalInterface
public interface Notifier {
    /** Publishes nothing (no database, or nothing configured). */
    Notifier NONE = event -> {
    };

    /** Queues {@code event} for its receivers. Never throws and never waits for a receiver. */
    void publish(NotificationEvent event);
}
