package dev.safeupdater.model;

import java.time.Instant;
import java.util.List;

/**
 * A recorded scan: which sources were asked for (null: all), who asked, how it ended (RUNNING while it runs,
 * SUCCEEDED, PARTIAL when a source failed or could not list everything, FAILED when no source succeeded), and what
 * each source did.
 */
public record ScanRun(long id, List<String> requestedSources, String actor, String status, Instant startedAt,
                      Instant finishedAt, List<ScanSourceResult> sources) {
    public ScanRun {
        requestedSources = requestedSources == null ? null : List.copyOf(requestedSources);
        sources = List.copyOf(sources);
    }

    /** Milliseconds from start to finish; null while running. */
    public Long durationMs() {
        return finishedAt == null ? null : finishedAt.toEpochMilli() - startedAt.toEpochMilli();
    }
}
