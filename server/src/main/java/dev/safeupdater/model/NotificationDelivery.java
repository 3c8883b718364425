package dev.safeupdater.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One notification event on its way to one receiver: where it stands ({@link Status}), how many attempts were made,
 * when the next one is due, and the last attempt's HTTP status code and error. {@code target} is the receiver URL
 * without path or query (see {@link NotificationReceiver#target()}).
 */
public record NotificationDelivery(long id,
                                   long eventId,
                                   String event,
                                   String summary,
                                   String scope,
                                   Long assetId,
                                   Long decisionId,
                                   Long runId,
                                   String receiver,
                                   String target,
                                   String format,
                                   Status status,
                                   int attempts,
                                   Instant nextAttemptAt,
                                   Integer lastStatusCode,
                                   String lastError,
                                   Instant createdAt,
                                   Instant updatedAt,
                                   Instant deliveredAt) {
    /** PENDING: waiting for its next attempt; DELIVERED: a 2xx answer; FAILED: given up (attempts used or refused). */
    public enum Status {
        PENDING, DELIVERED, FAILED
    }

    /** How one attempt ended: DELIVERED, RETRY (another attempt is due later) or FAILED (given up). */
    public enum AttemptOutcome {
        DELIVERED, RETRY, FAILED
    }

    /** One attempt: when, how long it took, the HTTP status code (null: no answer) and the error (null: none). */
    public record Attempt(int attempt, Instant startedAt, long durationMs, Integer statusCode, String error,
                          AttemptOutcome outcome) {
    }

    /** A delivery with the event it carries (as posted) and every attempt, oldest first. */
    public record Detail(NotificationDelivery delivery, Map<String, Object> payload, List<Attempt> attempts) {
        public Detail {
            attempts = List.copyOf(attempts);
        }
    }

    /**
     * Which deliveries to list; null fields do not filter. {@code from} is inclusive and {@code to} exclusive on the
     * creation time.
     */
    public record Filter(Status status, NotificationEventType event, String receiver, String scope, Long assetId,
                         Instant from, Instant to) {
        public static final Filter ALL = new Filter(null, null, null, null, null, null, null);
    }
}
