package dev.safeupdater.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.safeupdater.model.Decision;
import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.model.Page;
import org.jdbi.v3.core.Jdbi;

/** Decisions: append (with its audit event, in one transaction), find, list newest first. No update, no delete. */
public final class DecisionStore {
    private static final String CURSOR_KIND = "decision";

    private final Jdbi jdbi;
    private final boolean postgres;

    public DecisionStore(Database db) {
        this.jdbi = db.jdbi();
        this.postgres = db.isPostgres();
    }

    /** Stores {@code d} (its id is ignored) and returns it with the id it was given. */
    public Decision append(Decision d) {
        return jdbi.inTransaction(h -> {
            long id = new DecisionDao(h).insert(d);
            new AuditDao(h).append(d.decidedAt(), d.actor(), "asset.decide", "decision", Long.toString(id),
                    Map.of("assetId", d.assetId(), "toTag", d.toTag(), "outcome", d.outcome().name(), "mode",
                            d.mode()));
            return new DecisionDao(h).findById(id).orElseThrow();
        });
    }

    /** The newest decision for moving asset {@code assetId} to {@code tag}, whatever its digest. */
    public Optional<Decision> latestFor(long assetId, String tag) {
        return jdbi.withHandle(h -> new DecisionDao(h).latestFor(assetId, tag));
    }

    public Optional<Decision> find(long id) {
        return jdbi.withHandle(h -> new DecisionDao(h).findById(id));
    }

    /** Decisions newest first (by decision time, then id), {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Decision> list(DecisionFilter filter, String cursor, int limit) {
        return Keyset.newestFirstByTime(CURSOR_KIND, cursor, limit,
                (before, n) -> jdbi.withHandle(h -> new DecisionDao(h).list(filter, before, n, postgres)),
                d -> new Keyset.At(d.decidedAt(), d.id()));
    }

    /** Every decision passing {@code filter}, newest first, one at a time, in one read-only transaction. */
    public void forEach(DecisionFilter filter, Consumer<Decision> sink) {
        jdbi.useTransaction(h -> new DecisionDao(h).forEach(filter, postgres, sink));
    }
}
