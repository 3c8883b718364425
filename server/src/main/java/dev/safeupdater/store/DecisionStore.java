package dev.safeupdater.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Page;
import org.jdbi.v3.core.Jdbi;

/** Decisions: append (with its audit event, in one transaction), find, list newest first. No update, no delete. */
public final class DecisionStore {
    private static final String CURSOR_KIND = "decision";

    private final Jdbi jdbi;

    public DecisionStore(Database db) {
        this.jdbi = db.jdbi();
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

    public Optional<Decision> find(long id) {
        return jdbi.withHandle(h -> new DecisionDao(h).findById(id));
    }

    /** Decisions newest first, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Decision> list(DecisionFilter filter, String cursor, int limit) {
        long before = cursor == null ? Long.MAX_VALUE : Cursors.decode(CURSOR_KIND, cursor);
        List<Decision> rows = jdbi.withHandle(h -> new DecisionDao(h).list(filter, before, limit + 1));
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<Decision> page = rows.subList(0, limit);
        return new Page<>(page, Cursors.encode(CURSOR_KIND, page.getLast().id()));
    }
}
