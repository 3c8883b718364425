package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryFixtures;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Discovery for scans and tag reports, against the real registry, recorded in H2. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TagServiceTest {
    private RegistryFixtures fixtures;
    private TestDatabase db;

    @BeforeAll
    void start() {
        fixtures = RegistryFixtures.start();
        db = TestDatabase.h2();
    }

    @AfterAll
    void stop() {
        fixtures.close();
        db.close();
    }

    private TagService service(String... unreachable) {
        RegistryOptions.Builder b = RegistryOptions.builder()
                .defaults(new HostOptions(false, null, 1000, 1000, 8))
                .insecure(Set.of(fixtures.host()))
                .retries(1)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .timeout(Duration.ofSeconds(2));
        b.insecure(Set.of(unreachable));
        return new TagService(new Registry(b.build()), new ImageTagStore(db.database()), Clock.systemUTC());
    }

    @Test
    void oneLookupPerDistinctImageHoweverManyWorkloadsUseIt() {
        try (TagService tags = service()) {
            List<TagService.DiscoveryRequest> requests = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                requests.add(new TagService.DiscoveryRequest(fixtures.host() + "/shop/web:1.25.3", "1.25.3", null, false));
            }
            requests.add(new TagService.DiscoveryRequest(fixtures.host() + "/shop/web", "1.25.4-alpine", null, false));
            requests.add(new TagService.DiscoveryRequest(fixtures.host() + "/shop/db", "16.1", null, false));
            List<TagService.Discovery> out = tags.discover(requests);
            assertEquals(52, out.size());
            TagService.Discovery web = out.getFirst();
            assertFalse(web.stale(), String.valueOf(web.error()));
            assertEquals(fixtures.host() + "/shop/web", web.image());
            assertEquals("1.25.4", web.candidates().get("patch").tag());
            assertEquals(ChangeType.PATCH, web.candidates().get("patch").changeType());
            assertEquals("1.26.0", web.candidates().get("minor").tag());
            assertNull(web.candidates().get("major"), "2.0.0-rc.1 is a prerelease");
            assertEquals(RegistryFixtures.T0.plusSeconds(86400), web.candidates().get("patch").releaseTime());
            assertEquals(ReleaseTimeSource.IMAGE_CONFIG, web.candidates().get("patch").releaseTimeSource());
            assertTrue(web.currentTagDigest().startsWith("sha256:"));
            assertTrue(out.get(50).candidates().isEmpty(), "no newer alpine tag");
            assertEquals("16.2", out.get(51).candidates().get("minor").tag());
            // 2 tag lists, 1 HEAD per distinct tag asked (1.25.3, 1.25.4, 1.26.0, 1.25.4-alpine, 16.1, 16.2),
            // release times: 2 GETs per single-arch candidate, 3 for the manifest list
            long requestsMade = tags.registry().client().requests();
            assertTrue(requestsMade <= 2 + 6 + 2 * 2 + 3, "requests: " + requestsMade);
            // a second scan within the TTL asks nothing
            tags.discover(requests);
            assertEquals(requestsMade, tags.registry().client().requests());
            // and the listing was recorded
            ImageTagStore store = new ImageTagStore(db.database());
            var rows = store.tags(fixtures.host() + "/shop/web");
            assertEquals(6, rows.size());
            var patchRow = rows.stream().filter(r -> r.tag().equals("1.25.4")).findFirst().orElseThrow();
            assertEquals(web.candidates().get("patch").digest(), patchRow.digest());
            assertEquals(RegistryFixtures.T0.plusSeconds(86400), patchRow.releaseTime());
        }
    }

    @Test
    void aMovedTagIsSeenByItsDigest() {
        try (TagService tags = service()) {
            String before = tags.discover(List.of(new TagService.DiscoveryRequest(fixtures.host() + "/shop/web",
                    "latest", null, false))).getFirst().currentTagDigest();
            fixtures.moveLatest();
            tags.registry().clearCache();
            TagService.Discovery d = tags.discover(List.of(new TagService.DiscoveryRequest(fixtures.host()
                    + "/shop/web", "latest", before, false))).getFirst();
            assertEquals("UNVERSIONED", d.current().kind());
            assertTrue(d.digestMoved());
            assertFalse(before.equals(d.currentTagDigest()));
            // the version stage proposes the running tag itself, with the registry's new digest: a DIGEST candidate
            assertEquals(Set.of(TagService.DIGEST), d.candidates().keySet());
            TagService.CandidateInfo digest = d.candidates().get(TagService.DIGEST);
            assertEquals("latest", digest.tag());
            assertEquals(ChangeType.DIGEST, digest.changeType());
            assertEquals(d.currentTagDigest(), digest.digest());
            assertNotNull(digest.releaseTime(), "the new image's release time is looked up for minReleaseAge");
            // running what the tag points to: nothing to propose
            TagService.Discovery same = tags.discover(List.of(new TagService.DiscoveryRequest(fixtures.host()
                    + "/shop/web", "latest", d.currentTagDigest(), false))).getFirst();
            assertFalse(same.digestMoved());
            assertTrue(same.candidates().isEmpty());
        }
    }

    @Test
    void registryFailuresBecomeStaleResultsNeverExceptions() throws Exception {
        int dead;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        String deadHost = "127.0.0.1:" + dead;
        try (TagService tags = service(deadHost)) {
            // first: a good listing of shop/db is stored; then the same repository name on a dead registry
            List<TagService.Discovery> out = tags.discover(List.of(
                    new TagService.DiscoveryRequest(deadHost + "/shop/api", "1.0.0", null, false),
                    new TagService.DiscoveryRequest(fixtures.host() + "/nobody/here", "1.0.0", null, false),
                    new TagService.DiscoveryRequest("Not A Valid/Ref", "1.0.0", null, false),
                    new TagService.DiscoveryRequest(fixtures.host() + "/shop/db", "16.1", null, false)));
            assertTrue(out.get(0).stale());
            assertTrue(out.get(0).error().contains("cannot reach"), out.get(0).error());
            assertTrue(out.get(1).stale());
            assertTrue(out.get(1).error().contains("NAME_UNKNOWN"), out.get(1).error());
            assertTrue(out.get(2).error().startsWith("invalid image reference"));
            assertFalse(out.get(3).stale(), "one broken image does not spoil the others");
            ImageTagStore store = new ImageTagStore(db.database());
            var repo = store.repository(deadHost + "/shop/api").orElseThrow();
            assertNull(repo.lastSuccess());
            assertNotNull(repo.error());
        }
    }

    @Test
    void storedTagsStandInWhenTheRegistryFails() {
        ImageTagStore store = new ImageTagStore(db.database());
        String image = "127.0.0.1:1/gone/app";
        store.recordListing(image, List.of("1.0.0", "1.1.0"), List.of(), java.time.Instant.parse("2026-01-01T00:00:00Z"));
        try (TagService tags = service("127.0.0.1:1")) {
            TagService.Discovery d = tags.discover(List.of(new TagService.DiscoveryRequest(image, "1.0.0", null,
                    false))).getFirst();
            assertTrue(d.stale());
            assertEquals("1.1.0", d.candidates().get("minor").tag());
            assertNotNull(d.candidates().get("minor").error(), "no digest: the registry is down");
            assertTrue(store.tags(image).getFirst().staleError().contains("cannot reach"));
        }
    }

    @Test
    void tagReportsAreNewestFirstWithDigestsAndReleaseTimes() {
        try (TagService tags = service()) {
            TagService.TagReport r = tags.tags(fixtures.host() + "/shop/web", 3);
            assertEquals(6, r.total());
            assertEquals(List.of("2.0.0-rc.1", "1.26.0", "1.25.4"), r.tags().stream().map(TagService.TagEntry::tag).toList());
            assertEquals(RegistryFixtures.T0.plusSeconds(2 * 86400), r.tags().get(1).releaseTime());
            assertTrue(r.tags().get(2).digest().startsWith("sha256:"));
            InvalidInputException bad = assertThrows(InvalidInputException.class, () -> tags.tags("UPPER/case", 3));
            assertEquals("image", bad.errors().getFirst().field());
            assertThrows(InvalidInputException.class, () -> tags.tags("nginx", -1));
        }
    }
}
