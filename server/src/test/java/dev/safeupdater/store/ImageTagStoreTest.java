package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** image_tag and image_repository on both databases. */
class ImageTagStoreTest {
    static final Instant T1 = Instant.parse("2026-03-01T10:00:00Z");
    static final Instant T2 = Instant.parse("2026-03-02T10:00:00Z");
    static final Instant T3 = Instant.parse("2026-03-03T10:00:00Z");
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);

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
        private ImageTagStore store;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() {
            store = new ImageTagStore(db.database());
        }

        private Map<String, ImageTagStore.TagRow> byTag(String image) {
            return store.tags(image).stream().collect(Collectors.toMap(ImageTagStore.TagRow::tag, r -> r));
        }

        @Test
        void aListingInsertsUpdatesAndRemovesTagsAndKeepsFirstSeen() {
            String image = "docker.io/library/nginx-" + kind;
            store.recordListing(image, List.of("1.25.3", "1.25.4", "latest"), List.of(
                    new ImageTagStore.TagDetail("1.25.4", D1, T1, ReleaseTimeSource.IMAGE_CONFIG)), T1);
            Map<String, ImageTagStore.TagRow> first = byTag(image);
            assertEquals(3, first.size());
            assertEquals(D1, first.get("1.25.4").digest());
            assertEquals(T1, first.get("1.25.4").releaseTime());
            assertEquals(ReleaseTimeSource.IMAGE_CONFIG, first.get("1.25.4").releaseTimeSource());
            assertNull(first.get("latest").digest());
            assertEquals(ReleaseTimeSource.UNKNOWN, first.get("latest").releaseTimeSource());

            // later: 1.25.3 is gone, 1.26.0 new, 1.25.4 moved to another digest (its old release time is forgotten)
            store.recordListing(image, List.of("1.25.4", "latest", "1.26.0"), List.of(
                    new ImageTagStore.TagDetail("1.25.4", D2, null, null),
                    new ImageTagStore.TagDetail("latest", D2, null, null)), T2);
            Map<String, ImageTagStore.TagRow> second = byTag(image);
            assertEquals(List.of("1.25.4", "1.26.0", "latest"), second.keySet().stream().sorted().toList());
            assertEquals(T1, second.get("1.25.4").firstSeen());
            assertEquals(T2, second.get("1.25.4").lastChecked());
            assertEquals(D2, second.get("1.25.4").digest());
            assertNull(second.get("1.25.4").releaseTime());
            assertEquals(T2, second.get("1.26.0").firstSeen());
            var repo = store.repository(image).orElseThrow();
            assertEquals(3, repo.tagCount());
            assertEquals(T2, repo.lastSuccess());
            assertNull(repo.error());
        }

        @Test
        void aFailureMarksStoredTagsStaleAndIsRecordedEvenForANewImage() {
            String image = "ghcr.io/acme/app-" + kind;
            store.recordListing(image, List.of("1.0"), List.of(), T1);
            store.recordFailure(image, "registry answered 503 after 4 attempts", T2);
            ImageTagStore.TagRow row = store.tags(image).getFirst();
            assertEquals("registry answered 503 after 4 attempts", row.staleError());
            assertEquals(T1, row.lastChecked());
            var repo = store.repository(image).orElseThrow();
            assertEquals(T2, repo.lastAttempt());
            assertEquals(T1, repo.lastSuccess());
            assertEquals(1, repo.tagCount());
            assertTrue(repo.error().contains("503"));
            // recovery clears it
            store.recordListing(image, List.of("1.0", "1.1"), List.of(), T2);
            assertNull(store.tags(image).getFirst().staleError());
            assertNull(store.repository(image).orElseThrow().error());

            String never = "quay.io/never/seen-" + kind;
            store.recordFailure(never, "x".repeat(3000), T1);
            var unseen = store.repository(never).orElseThrow();
            assertNull(unseen.lastSuccess());
            assertEquals(2000, unseen.error().length());
            assertEquals(0, store.tags(never).size());
        }

        @Test
        void tenThousandTagsAreRecordedInOneGo() {
            String image = "docker.io/library/big-" + kind;
            List<String> tags = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                tags.add("1." + (i / 100) + "." + (i % 100));
            }
            long start = System.nanoTime();
            store.recordListing(image, tags, List.of(), T1);
            store.recordListing(image, tags, List.of(), T2);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(10_000, store.tags(image).size());
            assertTrue(ms < 30_000, "took " + ms + " ms");
        }

        @Test
        void lookupsOfManyRepositoriesAreRecordedTogetherEachAsItFound() {
            String a = "ghcr.io/acme/batch-a-" + kind;
            String b = "ghcr.io/acme/batch-b-" + kind;
            String c = "ghcr.io/acme/batch-c-" + kind;
            store.recordListing(b, List.of("0.9"), List.of(), T1);
            store.recordAll(List.of(
                    new ImageTagStore.Lookup(a, List.of("1.0", "1.1"), List.of(
                            new ImageTagStore.TagDetail("1.1", D1, T1, ReleaseTimeSource.REGISTRY)), null),
                    ImageTagStore.Lookup.failure(b, "registry answered 500"),
                    new ImageTagStore.Lookup(c, List.of("2.0"), List.of(), null)), T2);
            assertEquals(List.of("1.0", "1.1"), store.tags(a).stream().map(ImageTagStore.TagRow::tag).toList());
            assertEquals(D1, byTag(a).get("1.1").digest());
            assertEquals(ReleaseTimeSource.REGISTRY, byTag(a).get("1.1").releaseTimeSource());
            assertEquals(T2, byTag(a).get("1.0").lastChecked());
            // the failed one keeps its tags, stale, last checked when it last worked
            ImageTagStore.TagRow kept = store.tags(b).getFirst();
            assertEquals("0.9", kept.tag());
            assertEquals("registry answered 500", kept.staleError());
            assertEquals(T1, kept.lastChecked());
            assertEquals(1, store.tags(c).size());

            // listed again with the digest known and no release time learnt: the stored release time stays
            store.recordAll(List.of(new ImageTagStore.Lookup(a, List.of("1.0", "1.1"), List.of(
                    new ImageTagStore.TagDetail("1.1", D1, null, null)), null)), T3);
            assertEquals(T1, byTag(a).get("1.1").releaseTime());
            assertEquals(T3, byTag(a).get("1.1").lastChecked());
        }

        @Test
        void aBatchWritesNewAndKnownRepositoriesAndARepeatedOneEndsAsItsLastLookupFoundIt() {
            String known = "ghcr.io/acme/known-" + kind;
            String fresh = "ghcr.io/acme/fresh-" + kind;
            String twice = "ghcr.io/acme/twice-" + kind;
            store.recordListing(known, List.of("1.0", "1.1"), List.of(
                    new ImageTagStore.TagDetail("1.0", D1, T1, ReleaseTimeSource.REGISTRY)), T1);
            store.recordAll(List.of(
                    new ImageTagStore.Lookup(known, List.of("1.1", "1.2"), List.of(), null),
                    new ImageTagStore.Lookup(fresh, List.of("3.0"), List.of(), null)), T2);
            assertEquals(List.of("1.1", "1.2"), store.tags(known).stream().map(ImageTagStore.TagRow::tag).toList());
            assertEquals(new ImageTagStore.RepositoryRow(known, 2, T2, T2, null), store.repository(known).orElseThrow());
            assertEquals(new ImageTagStore.RepositoryRow(fresh, 1, T2, T2, null), store.repository(fresh).orElseThrow());

            // the same repository twice in one batch (no duplicate key): the second lookup sees the first
            store.recordAll(List.of(
                    new ImageTagStore.Lookup(twice, List.of("1.0", "1.1"), List.of(), null),
                    ImageTagStore.Lookup.failure(fresh, "registry answered 500"),
                    new ImageTagStore.Lookup(twice, List.of("1.1", "1.2"), List.of(
                            new ImageTagStore.TagDetail("1.2", D1, T1, ReleaseTimeSource.REGISTRY)), null)), T3);
            assertEquals(List.of("1.1", "1.2"), store.tags(twice).stream().map(ImageTagStore.TagRow::tag).toList());
            assertEquals(D1, byTag(twice).get("1.2").digest());
            assertEquals(new ImageTagStore.RepositoryRow(twice, 2, T3, T3, null), store.repository(twice).orElseThrow());
            assertEquals(new ImageTagStore.RepositoryRow(fresh, 1, T3, T2, "registry answered 500"),
                    store.repository(fresh).orElseThrow());
        }
    }
}
