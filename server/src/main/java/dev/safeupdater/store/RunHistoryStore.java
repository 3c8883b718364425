package dev.safeupdater.store;

import java.util.Optional;
import java.util.function.Consumer;

import dev.safeupdater.model.Page;
import dev.safeupdater.model.RunDetail;
import dev.safeupdater.model.RunFilter;
import dev.safeupdater.model.RunSummary;
import org.jdbi.v3.core.Jdbi;

/** The read side of update runs: filtered pages newest first, a filtered export, and one run with its events. */
public final class RunHistoryStore {
    private static final String CURSOR_KIND = "run";

    private final Jdbi jdbi;

    public RunHistoryStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /** Runs passing {@code filter}, newest first (by creation time, then id), {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<RunSummary> list(RunFilter filter, String cursor, int limit) {
        return Keyset.newestFirstByTime(CURSOR_KIND, cursor, limit,
                (before, n) -> jdbi.withHandle(h -> new RunHistoryDao(h).list(filter, before, n)),
                r -> new Keyset.At(r.createdAt(), r.id()));
    }

    /** Every run passing {@code filter}, newest first, one at a time, in one read-only transaction. */
    public void forEach(RunFilter filter, Consumer<RunSummary> sink) {
        jdbi.useTransaction(h -> new RunHistoryDao(h).forEach(filter, sink));
    }

    /** One run with its decision's rules, approvers, health results, rollback reason and every event. */
    public Optional<RunDetail> detail(long id) {
        return jdbi.inTransaction(h -> new RunHistoryDao(h).detail(id));
    }
}
