package dev.safeupdater.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.History;
import org.jdbi.v3.core.Jdbi;

/**
 * What the policy needs from an asset's past, read in one transaction: failed and rolled-back runs since a time,
 * pins in force, live votes for one candidate, the last successful update; and the release time a registry scan
 * recorded for a tag. Read-only.
 */
public final class HistoryStore {
    private final Jdbi jdbi;

    public HistoryStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /**
     * A tag as the registry stage recorded it: its release time and where that came from (REGISTRY, IMAGE_CONFIG,
     * UNKNOWN), and the digest it pointed to (null: not looked up).
     */
    public record Release(Instant time, String source, String digest) {
    }

    /**
     * The history of asset {@code assetId} for candidate {@code tag}@{@code digest}: failures since
     * {@code failuresSince} (newest first, at most {@value HistoryDao#MAX_FAILURES}), pins and votes in force at
     * {@code now}, and the last successful update.
     */
    public History history(long assetId, String tag, String digest, Instant failuresSince, Instant now) {
        return jdbi.inTransaction(h -> {
            HistoryDao dao = new HistoryDao(h);
            return new History(dao.failures(assetId, failuresSince), dao.pins(assetId, now),
                    dao.votes(assetId, tag, digest, now), dao.lastUpdate(assetId).orElse(null));
        });
    }

    /**
     * The assets that have any history the policy reads (update runs, pins in force, live votes) at {@code now}; a
     * cycle reads the full history only for these and gives the others an empty one.
     */
    public java.util.Set<Long> assetsWithHistory(Instant now) {
        return jdbi.withHandle(h -> new HistoryDao(h).withHistory(now));
    }

    /** The release time recorded for {@code image}:{@code tag}, if the registry stage has seen it. */
    public Optional<Release> release(String image, String tag) {
        return jdbi.withHandle(h -> new HistoryDao(h).release(image, tag));
    }

    /** How many tags the registry stage's recorded listing of {@code image} holds (0: never listed). */
    public int listedTags(String image) {
        return jdbi.withHandle(h -> new HistoryDao(h).listed(image));
    }
}
