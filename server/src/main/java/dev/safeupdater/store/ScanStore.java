package dev.safeupdater.store;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.Page;
import dev.safeupdater.model.ScanRun;
import dev.safeupdater.model.ScanSourceResult;
import org.jdbi.v3.core.Jdbi;

/** The record of inventory scans: started, one result per source, finished (with its audit event). */
public final class ScanStore {
    private static final String CURSOR_KIND = "scan";

    private final Jdbi jdbi;
    private final Clock clock;

    public ScanStore(Database db, Clock clock) {
        this.jdbi = db.jdbi();
        this.clock = clock;
    }

    /** Records a scan as RUNNING; returns its id. {@code requested} null means every source. */
    public long start(List<String> requested, String actor) {
        return jdbi.withHandle(h -> new ScanDao(h).insertRun(requested, actor, clock.instant()));
    }

    public void recordSource(long scanId, ScanSourceResult result) {
        jdbi.useHandle(h -> new ScanDao(h).insertSource(scanId, result));
    }

    /** Sets the final status and appends the audit event {@code inventory.scan} by the scan's actor. */
    public ScanRun finish(long scanId, String status) {
        return jdbi.inTransaction(h -> {
            ScanDao scans = new ScanDao(h);
            scans.finishRun(scanId, status, clock.instant());
            ScanRun run = scans.find(scanId).orElseThrow();
            Map<String, Object> detail = new java.util.LinkedHashMap<>();
            detail.put("status", status);
            detail.put("sources", run.sources().stream()
                    .map(s -> Map.of("name", s.name(), "status", s.status(), "seen", s.seen(), "added", s.added(),
                            "changed", s.changed(), "gone", s.gone()))
                    .toList());
            new AuditDao(h).append(clock.instant(), run.actor(), "inventory.scan", "scan", Long.toString(scanId),
                    detail);
            return run;
        });
    }

    public Optional<ScanRun> find(long id) {
        return jdbi.withHandle(h -> new ScanDao(h).find(id));
    }

    /** Scans newest first, {@code limit} at a time. */
    public Page<ScanRun> list(String cursor, int limit) {
        return Keyset.newestFirst(CURSOR_KIND, cursor, limit,
                (before, n) -> jdbi.withHandle(h -> new ScanDao(h).listBefore(before, n)), ScanRun::id);
    }
}
