package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.NotificationDelivery;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The notification queue: repeats dropped within their quiet period, claims with leases, attempts appended. */
class NotificationStoreTest {

    @Nested
    class OnH2 extends Contract {
        OnH2() {
            super(TestDatabase.Kind.H2);
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(TestDatabase.Kind.POSTGRES);
        }
    }

    abstract static class Contract extends DatabaseContract {
        private final Instant t0 = Instant.parse("2026-03-10T12:00:00Z");
        private NotificationStore store;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() {
            store = new NotificationStore(db.database());
        }

        private static NotificationReceiver receiver(String name) {
            return new NotificationReceiver(name, URI.create("https://hooks.example.com/T/B/secret-path"),
                    NotificationReceiver.Format.SLACK, "hmac");
        }

        private static NotificationEvent cycleFailing(String error, Instant at) {
            return NotificationEvent.cycleFailing(7, 3, error, at);
        }

        @Test
        void aRepeatWithinItsQuietPeriodIsDroppedAndQueuedAgainAfterIt() {
            NotificationEvent e = cycleFailing("registry down", t0).withDedupe("test-repeat", Duration.ofHours(1));
            Optional<Long> first = store.enqueue(e, List.of(receiver("a"), receiver("b")), t0);
            assertTrue(first.isPresent());
            assertTrue(store.enqueue(e, List.of(receiver("a")), t0.plus(Duration.ofMinutes(59))).isEmpty());
            assertTrue(store.enqueue(e, List.of(receiver("a")), t0.plus(Duration.ofMinutes(61))).isPresent());
            // without a key nothing is dropped
            NotificationEvent noKey = e.withDedupe(null, Duration.ZERO);
            assertTrue(store.enqueue(noKey, List.of(receiver("a")), t0).isPresent());
            assertTrue(store.enqueue(noKey, List.of(receiver("a")), t0).isPresent());
            List<NotificationDelivery> forA = store.list(new NotificationDelivery.Filter(null, null, "a", null, null,
                    null, null), null, 100).items();
            assertTrue(forA.size() >= 4);
            NotificationDelivery d = forA.getLast();
            assertEquals("cycle-failing", d.event());
            assertEquals("slack", d.format());
            assertEquals("https://hooks.example.com/…", d.target(), "the URL path is not stored");
        }

        @Test
        void aClaimedDeliveryIsSentByOneWorkerUntilItsLeaseExpires() {
            Instant t = t0.plus(Duration.ofDays(1));
            long event = store.enqueue(cycleFailing("lease", t).withDedupe(null, Duration.ZERO),
                    List.of(receiver("lease")), t).orElseThrow();
            List<NotificationStore.Claimed> one = store.claimDue("w1", t, Duration.ofSeconds(30), 100).stream()
                    .filter(c -> c.eventId() == event).toList();
            assertEquals(1, one.size());
            NotificationStore.Claimed c = one.getFirst();
            assertEquals(1, c.attempt());
            assertEquals("cycle-failing", c.payload().get("type"));
            assertTrue(store.claimDue("w2", t.plusSeconds(10), Duration.ofSeconds(30), 100).stream()
                    .noneMatch(x -> x.id() == c.id()), "leased to w1");
            // w1 died: after the lease another worker takes it over
            assertTrue(store.claimDue("w2", t.plusSeconds(31), Duration.ofSeconds(30), 100).stream()
                    .anyMatch(x -> x.id() == c.id()));

            store.recordAttempt(c.id(), new NotificationDelivery.Attempt(1, t, 12, 503, "HTTP 503",
                    NotificationDelivery.AttemptOutcome.RETRY), NotificationDelivery.Status.PENDING,
                    t.plusSeconds(100), t.plusSeconds(31));
            NotificationDelivery.Detail pending = store.find(c.id()).orElseThrow();
            assertEquals(NotificationDelivery.Status.PENDING, pending.delivery().status());
            assertEquals(t.plusSeconds(100), pending.delivery().nextAttemptAt());
            assertTrue(store.claimDue("w3", t.plusSeconds(99), Duration.ofSeconds(30), 100).stream()
                    .noneMatch(x -> x.id() == c.id()), "not due yet");
            NotificationStore.Claimed again = store.claimDue("w3", t.plusSeconds(100), Duration.ofSeconds(30), 100)
                    .stream().filter(x -> x.id() == c.id()).findFirst().orElseThrow();
            assertEquals(2, again.attempt());
            store.recordAttempt(c.id(), new NotificationDelivery.Attempt(2, t.plusSeconds(100), 8, 200, null,
                    NotificationDelivery.AttemptOutcome.DELIVERED), NotificationDelivery.Status.DELIVERED, null,
                    t.plusSeconds(101));
            NotificationDelivery.Detail done = store.find(c.id()).orElseThrow();
            assertEquals(NotificationDelivery.Status.DELIVERED, done.delivery().status());
            assertEquals(2, done.delivery().attempts());
            assertEquals(200, done.delivery().lastStatusCode());
            assertNull(done.delivery().lastError());
            assertNull(done.delivery().nextAttemptAt());
            assertEquals(t.plusSeconds(101), done.delivery().deliveredAt());
            assertEquals(List.of(503, 200), done.attempts().stream().map(NotificationDelivery.Attempt::statusCode)
                    .toList());
            assertTrue(store.claimDue("w4", t.plusSeconds(10_000), Duration.ofSeconds(30), 100).stream()
                    .noneMatch(x -> x.id() == c.id()), "delivered: never sent again");
        }
    }
}
