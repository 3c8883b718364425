package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded H2 file compresses what it stores (COMPRESS=TRUE, appended to H2 URLs that do not set it): a history of
 * decisions, whose inputs repeat the same scope and candidate fields, takes far less disk than uncompressed, and reads
 * back the same. A URL that says COMPRESS=FALSE is left as it is.
 */
class H2CompressionTest {
    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
    private static final int DECISIONS = 900;

    @TempDir
    Path dir;

    @Test
    void decisionsTakeLessThanHalfTheDiskOfAnUncompressedFileAndReadBackTheSame() {
        long compressed = fill("jdbc:h2:file:" + dir.resolve("default") + ";DB_CLOSE_DELAY=0");
        long plain = fill("jdbc:h2:file:" + dir.resolve("plain") + ";DB_CLOSE_DELAY=0;COMPRESS=FALSE");
        assertTrue(compressed * 2 < plain,
                "the file grew by " + compressed + " bytes compressed, " + plain + " uncompressed");
    }

    /**
     * Appends {@link #DECISIONS} decisions, 300 per transaction as a cycle's batch of 100 assets on H2 writes them, and
     * returns how much the file grew.
     */
    private long fill(String url) {
        try (Database db = Database.open(url, "sa", "", 2)) {
            db.migrate();
            Clock clock = Clock.fixed(T, ZoneOffset.UTC);
            Asset a = new AssetStore(db, clock).upsert(new AssetKey("kubernetes", "prod", "shop", "Deployment", "web",
                    "app"), "registry.example/shop/web", "1.0.0", null, Map.of("team", "storefront"), Map.of(),
                    "test").asset();
            long before = fileSize(db);
            List<Long> ids = new ArrayList<>();
            for (int from = 0; from < DECISIONS; from += 300) {
                List<Decision> batch = new ArrayList<>();
                for (int i = from; i < from + 300; i++) {
                    batch.add(decision(a.id(), i));
                }
                ids.addAll(db.jdbi().inTransaction(h -> new DecisionDao(h).insertAll(batch)));
            }
            Decision read = new DecisionStore(db).find(ids.getLast()).orElseThrow();
            assertEquals(decision(a.id(), DECISIONS - 1).inputs(), read.inputs());
            assertEquals("1.0." + DECISIONS, read.toTag());
            return fileSize(db) - before;
        }
    }

    private static long fileSize(Database db) {
        return db.jdbi().withHandle(h -> h.createQuery(
                "SELECT setting_value FROM information_schema.settings WHERE setting_name = 'info.FILE_SIZE'")
                .mapTo(Long.class).one());
    }

    private static Decision decision(long assetId, int i) {
        String tag = "1.0." + (i + 1);
        Map<String, Object> candidate = new LinkedHashMap<>();
        candidate.put("namespace", "shop");
        candidate.put("kind", "Deployment");
        candidate.put("name", "web");
        candidate.put("image", "registry.example/shop/web");
        candidate.put("currentTag", "1.0.0");
        candidate.put("candidateTag", tag);
        candidate.put("candidateDigest", "sha256:" + String.format("%064x", i * 7919L));
        candidate.put("releaseTime", T.minusSeconds(3600L * i).toString());
        candidate.put("labels", Map.of("team", "storefront", "tier", "web"));
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("name", "storefront");
        scope.put("mode", "ENFORCE");
        scope.put("allow", "patch");
        scope.put("minReleaseAge", "P2D");
        scope.put("windows", List.of("Mon-Fri 02:00-05:00 Europe/Berlin"));
        scope.put("matchedBy", List.of("namespace shop", "label team=storefront"));
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("candidate", candidate);
        inputs.put("scope", scope);
        inputs.put("history", Map.of("failures", List.of(), "pins", List.of(), "approvals", List.of()));
        inputs.put("evaluatedAt", T.plusSeconds(i).toString());
        return new Decision(0, assetId, "1.0.0", tag, null, null, ChangeType.PATCH, Outcome.HOLD,
                List.of("PATCH change 1.0.0 -> " + tag + " waits for the maintenance window (Mon-Fri 02:00-05:00)"),
                List.of(), "maintenance-window", "rules-" + (i % 3), "policies-1", "storefront", "ENFORCE", inputs,
                "cycle:" + i, T.plusSeconds(i));
    }
}
