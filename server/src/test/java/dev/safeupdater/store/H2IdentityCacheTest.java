package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the embedded H2 file database, a bulk append is not stored over and over because its identity column ran out of
 * cached ids (migrations/h2/V20), and ids still follow insertion order and continue without a gap after a clean
 * restart.
 */
class H2IdentityCacheTest {
    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;

    private Database open() {
        Database db = Database.open("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_DELAY=0", "sa", "", 2);
        db.migrate();
        return db;
    }

    private static List<String> tags(int from, int count) {
        List<String> tags = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            tags.add("1.0." + i);
        }
        return tags;
    }

    /** How many times H2's storage engine has stored (written a chunk) since the file was created. */
    private static long stores(Database db) {
        return Long.parseLong(db.jdbi().withHandle(h -> h.createQuery(
                "SELECT setting_value FROM information_schema.settings WHERE setting_name = 'info.CURRENT_VERSION'")
                .mapTo(String.class).one()));
    }

    private static List<Long> ids(Database db, String image) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM image_tag WHERE image = :image ORDER BY tag")
                .bind("image", image).mapTo(Long.class).list());
    }

    @Test
    void aListingOf600TagsIsStoredOnceOrTwiceNotOncePer32Ids() {
        try (Database db = open()) {
            ImageTagStore store = new ImageTagStore(db);
            long before = stores(db);
            store.recordListing("registry.example/app", tags(0, 600), List.of(), T);
            long stored = stores(db) - before;
            // with H2's default cache of 32 ids, the 600 inserted rows alone made it store about 19 times
            assertTrue(stored <= 3, "H2 stored " + stored + " times for one listing of 600 tags");
            assertEquals(600, ids(db, "registry.example/app").size());
        }
    }

    @Test
    void idsFollowInsertionOrderAndContinueWithoutAGapAfterACleanRestart() {
        long last;
        try (Database db = open()) {
            new ImageTagStore(db).recordListing("registry.example/a", tags(0, 5), List.of(), T);
            List<Long> ids = ids(db, "registry.example/a");
            for (int i = 1; i < ids.size(); i++) {
                assertEquals(ids.get(i - 1) + 1, ids.get(i), "ids " + ids);
            }
            last = ids.getLast();
        }
        try (Database db = open()) {
            new ImageTagStore(db).recordListing("registry.example/b", tags(0, 1), List.of(), T);
            assertEquals(List.of(last + 1), ids(db, "registry.example/b"));
        }
    }
}
