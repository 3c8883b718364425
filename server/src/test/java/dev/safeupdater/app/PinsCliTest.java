package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/** {@code safe-updater pins list|add|remove} in this process on an H2 database. */
class PinsCliTest {

    @Test
    void addListRemove() {
        try (TestDatabase db = TestDatabase.h2()) {
            long asset = new AssetStore(db.database(), Clock.systemUTC()).upsert(new AssetKey("static", "", "shop",
                    "Deployment", "web", ""), "nginx", "1.25.0", null, Map.of(), Map.of(), "test").asset().id();
            String[] conn = {"--db-url", db.url(), "--db-user", "sa"};
            CliTest.Run added = CliTest.run(concat(new String[] {"pins", "add", Long.toString(asset), "1.25.1",
                    "--reason", "breaks TLS"}, conn));
            assertEquals(0, added.exit(), added.err());
            assertTrue(added.out().contains("1.25.1") && added.out().contains("breaks TLS"), added.out());
            CliTest.Run list = CliTest.run(concat(new String[] {"pins", "list", "--asset", Long.toString(asset)}, conn));
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().lines().anyMatch(l -> l.contains("1.25.1") && l.contains("cli:")), list.out());
            long pin = db.database().jdbi().withHandle(h -> h.createQuery("SELECT id FROM pin").mapTo(Long.class).one());
            CliTest.Run removed = CliTest.run(concat(new String[] {"pins", "remove", Long.toString(pin)}, conn));
            assertEquals(0, removed.exit(), removed.err());
            assertTrue(removed.out().contains("removed"), removed.out());
            CliTest.Run empty = CliTest.run(concat(new String[] {"pins", "list"}, conn));
            assertFalse(empty.out().contains("1.25.1"), empty.out());
            CliTest.Run unknown = CliTest.run(concat(new String[] {"pins", "add", "999999", "1.0.0", "--reason", "x"},
                    conn));
            assertEquals(2, unknown.exit());
            assertTrue(unknown.err().contains("asset 999999 does not exist"), unknown.err());
            CliTest.Run noReason = CliTest.run(concat(new String[] {"pins", "add", Long.toString(asset), "1.0.0"},
                    conn));
            assertEquals(2, noReason.exit());
            assertTrue(noReason.err().contains("--reason"), noReason.err());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
