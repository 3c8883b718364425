package dev.safeupdater.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One cycle (scan → discover → propose → decide → plan): its state (RUNNING, SUCCEEDED, PARTIAL, FAILED,
 * INTERRUPTED), who started it and how ({@code trigger}: schedule, request, cli), per-stage timings, counts and
 * errors.
 */
public record Cycle(long id,
                    String state,
                    String actor,
                    String trigger,
                    Instant startedAt,
                    Instant finishedAt,
                    Long durationMs,
                    Long scanId,
                    String rulesetRevision,
                    String policyRevision,
                    List<Stage> stages,
                    Map<String, Long> counts,
                    List<String> errors) {
    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String PARTIAL = "PARTIAL";
    public static final String FAILED = "FAILED";
    public static final String INTERRUPTED = "INTERRUPTED";
    /** Every state a cycle can end in (and RUNNING). */
    public static final List<String> STATES = List.of(RUNNING, SUCCEEDED, PARTIAL, FAILED, INTERRUPTED);

    public Cycle {
        stages = stages == null ? List.of() : List.copyOf(stages);
        counts = counts == null ? Map.of() : Map.copyOf(counts);
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /**
     * One stage of a cycle: scan, discover, propose, decide, plan. {@code status}: SUCCEEDED, PARTIAL (some sources or
     * registries failed), FAILED, SKIPPED.
     */
    public record Stage(String name, String status, Instant startedAt, long durationMs, String error) {
    }

    /** The counter {@code name} (0 when absent). */
    public long count(String name) {
        return counts.getOrDefault(name, 0L);
    }
}
