package dev.safeupdater.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.NotificationDelivery;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.model.Page;
import org.jdbi.v3.core.Jdbi;

/**
 * The durable notification queue: an event with one delivery per receiver (queued in one transaction), claims of
 * due deliveries with a lease (several replicas never send the same attempt), every attempt appended with where the
 * delivery then stands, and the listings the API shows.
 */
public final class NotificationStore {
    private static final String CURSOR_KIND = "delivery";

    private final Jdbi jdbi;

    public NotificationStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /** A due delivery claimed by a worker: what to send to whom, and which attempt this is. */
    public record Claimed(long id, long eventId, String eventType, String receiver, int attempt,
                          Map<String, Object> payload) {
    }

    /**
     * Queues {@code event} for {@code receivers} (at least one): the event and one PENDING delivery each, due now.
     * Returns the event id, or empty when an event with the same dedupe key was queued within its quiet period.
     */
    public Optional<Long> enqueue(NotificationEvent event, List<NotificationReceiver> receivers, Instant now) {
        return jdbi.inTransaction(h -> {
            NotificationDao dao = new NotificationDao(h);
            if (event.dedupeKey() != null && event.quietPeriod().isPositive()
                    && dao.recentDuplicate(event.dedupeKey(), now.minus(event.quietPeriod())).isPresent()) {
                return Optional.<Long>empty();
            }
            long id = dao.insertEvent(event, event.payload(), now);
            for (NotificationReceiver r : receivers) {
                dao.insertDelivery(id, r.name(), r.target(), r.format().id(), now);
            }
            return Optional.of(id);
        });
    }

    /** Claims up to {@code limit} due deliveries for {@code owner} until {@code now + lease}. */
    public List<Claimed> claimDue(String owner, Instant now, Duration lease, int limit) {
        List<Long> due = jdbi.withHandle(h -> new NotificationDao(h).due(now, limit));
        List<Claimed> claimed = new ArrayList<>();
        for (long id : due) {
            jdbi.useTransaction(h -> {
                NotificationDao dao = new NotificationDao(h);
                if (dao.claim(id, owner, now, now.plus(lease))) {
                    NotificationDelivery d = dao.find(id).orElseThrow();
                    claimed.add(new Claimed(id, d.eventId(), d.event(), d.receiver(), d.attempts() + 1,
                            dao.payload(id).orElseThrow()));
                }
            });
        }
        return claimed;
    }

    /**
     * Appends attempt {@code a} of delivery {@code id} and sets where the delivery stands: {@code status}, and when
     * it is PENDING the time of the next attempt. Releases the claim.
     */
    public void recordAttempt(long id, NotificationDelivery.Attempt a, NotificationDelivery.Status status,
                              Instant nextAttemptAt, Instant now) {
        jdbi.useTransaction(h -> {
            NotificationDao dao = new NotificationDao(h);
            dao.insertAttempt(id, a);
            dao.finishAttempt(id, a, status, status == NotificationDelivery.Status.PENDING ? nextAttemptAt : null, now);
        });
    }

    /** When the next pending delivery is due; empty when none is pending. */
    public Optional<Instant> nextDue() {
        return jdbi.withHandle(h -> new NotificationDao(h).nextDue());
    }

    /** Deliveries newest first, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<NotificationDelivery> list(NotificationDelivery.Filter filter, String cursor, int limit) {
        return Keyset.newestFirst(CURSOR_KIND, cursor, limit,
                (before, n) -> jdbi.withHandle(h -> new NotificationDao(h).list(filter, before, n)),
                NotificationDelivery::id);
    }

    /** One delivery with its event's payload and every attempt. */
    public Optional<NotificationDelivery.Detail> find(long id) {
        return jdbi.withHandle(h -> {
            NotificationDao dao = new NotificationDao(h);
            return dao.find(id).map(d -> new NotificationDelivery.Detail(d, dao.payload(id).orElse(Map.of()),
                    dao.attempts(id)));
        });
    }

    /** How many deliveries are PENDING, DELIVERED and FAILED. */
    public Map<String, Long> counts() {
        return jdbi.withHandle(h -> new NotificationDao(h).counts());
    }
}
