package dev.safeupdater.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one source did in a scan. {@code status} is SUCCEEDED, PARTIAL (some part could not be listed and was left as
 * it was, see {@code warnings}) or FAILED ({@code error} says why; nothing of this source changed in the inventory).
 */
public record ScanSourceResult(String name,
                               String type,
                               String status,
                               String error,
                               List<String> warnings,
                               int seen,
                               int added,
                               int changed,
                               int unchanged,
                               int gone,
                               int versionsRecorded,
                               int apiRequests,
                               Map<String, KindCounts> byKind,
                               Instant startedAt,
                               Instant finishedAt) {
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String PARTIAL = "PARTIAL";
    public static final String FAILED = "FAILED";

    public ScanSourceResult {
        warnings = List.copyOf(warnings);
        byKind = Map.copyOf(byKind);
    }

    public long durationMs() {
        return finishedAt.toEpochMilli() - startedAt.toEpochMilli();
    }
}
