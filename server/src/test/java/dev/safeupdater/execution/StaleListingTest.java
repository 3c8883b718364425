package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.registry.helm.ChartLookupException;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A registry or chart repository that fails: the stored listing stands in, marked stale with the error, and keeps the
 * digests and release times the registry stage recorded before (H2 and PostgreSQL).
 */
class StaleListingTest {

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
        private static final String DEAD = "127.0.0.1:1";
        private static final Instant SEEN = Instant.parse("2026-01-01T00:00:00Z");
        private static final Instant RELEASED = Instant.parse("2025-12-20T10:00:00Z");
        private static final String D100 = "sha256:" + "a".repeat(64);
        private static final String D110 = "sha256:" + "b".repeat(64);

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        private TagService service() {
            RegistryOptions options = RegistryOptions.builder()
                    .defaults(new HostOptions(false, null, 1000, 1000, 8))
                    .insecure(Set.of(DEAD))
                    .retries(0)
                    .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            return new TagService(new Registry(options), chart -> {
                throw new ChartLookupException("index.yaml of " + chart.repository() + " answered 503");
            }, new ImageTagStore(db.database()), Clock.systemUTC());
        }

        private void recordListing(String image) {
            new ImageTagStore(db.database()).recordListing(image, List.of("1.0.0", "1.1.0", "latest"), List.of(
                    new ImageTagStore.TagDetail("1.0.0", D100, null, null),
                    new ImageTagStore.TagDetail("1.1.0", D110, RELEASED, ReleaseTimeSource.IMAGE_CONFIG)), SEEN);
        }

        @Test
        void tagReportFromTheStoreKeepsDigestsAndReleaseTimes() {
            String image = DEAD + "/shop/report";
            recordListing(image);
            try (TagService tags = service()) {
                TagService.TagReport r = tags.tags(image, 0);
                assertTrue(r.stale());
                assertTrue(r.error().contains("cannot reach"), r.error());
                assertEquals(SEEN, r.fetchedAt());
                assertEquals(List.of("1.1.0", "1.0.0", "latest"), r.tags().stream().map(TagService.TagEntry::tag).toList());
                TagService.TagEntry newest = r.tags().getFirst();
                assertEquals(D110, newest.digest());
                assertEquals(RELEASED, newest.releaseTime());
                assertEquals(ReleaseTimeSource.IMAGE_CONFIG, newest.releaseTimeSource());
                TagService.TagEntry older = r.tags().get(1);
                assertEquals(D100, older.digest(), "a digest recorded without a release time is still shown");
                assertNull(older.releaseTime());
                TagService.TagEntry latest = r.tags().get(2);
                assertNull(latest.digest());
                assertTrue(latest.error().contains("cannot reach"), "unknown digests say why: " + latest.error());
            }
        }

        @Test
        void discoveryFromTheStoreKeepsTheCandidatesDigestAndReleaseTime() {
            String image = DEAD + "/shop/discover";
            recordListing(image);
            try (TagService tags = service()) {
                TagService.Discovery d = tags.discover(List.of(new TagService.DiscoveryRequest(image, "1.0.0", D100,
                        false))).getFirst();
                assertTrue(d.stale());
                assertTrue(d.error().contains("cannot reach"), d.error());
                TagService.CandidateInfo minor = d.candidates().get("minor");
                assertEquals("1.1.0", minor.tag());
                assertEquals(D110, minor.digest());
                assertEquals(RELEASED, minor.releaseTime());
                assertEquals(ReleaseTimeSource.IMAGE_CONFIG, minor.releaseTimeSource());
            }
            // the stored rows stay, marked stale with the error, their digests untouched
            var rows = new ImageTagStore(db.database()).tags(image);
            assertEquals(3, rows.size());
            assertTrue(rows.stream().allMatch(row -> row.staleError() != null && row.staleError().contains("cannot reach")));
            assertEquals(D110, rows.stream().filter(row -> row.tag().equals("1.1.0")).findFirst().orElseThrow().digest());
        }

        @Test
        void aChartRepositoryThatFailsFallsBackTheSameWay() {
            String chart = "https://charts.example.test/stable/web";
            recordListing(chart);
            try (TagService tags = service()) {
                TagService.TagReport r = tags.tags(chart, 0);
                assertTrue(r.stale());
                assertTrue(r.error().contains("answered 503"), r.error());
                assertEquals(D110, r.tags().getFirst().digest());
                assertEquals(RELEASED, r.tags().getFirst().releaseTime());
                TagService.Available a = tags.available(chart);
                assertTrue(a.stale());
                assertEquals(Set.of("1.0.0", "1.1.0", "latest"), Set.copyOf(a.tags()));
            }
        }
    }
}
