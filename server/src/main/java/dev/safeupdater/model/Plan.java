package dev.safeupdater.model;

import java.util.List;
import java.util.Map;

/**
 * A page of the plan and the totals of the whole filtered plan: {@code total} entries, how many per outcome
 * (APPROVE, HOLD, REJECT, NONE) and how many are stale. {@code nextCursor} is the cursor of the next page (null:
 * last), named as in the other listings ({@link Page}).
 */
public record Plan(List<PlanEntry> items, String nextCursor, long total, Map<String, Long> byOutcome, long stale) {
    public Plan {
        items = List.copyOf(items);
        byOutcome = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byOutcome));
    }

    /** The totals alone. */
    public Totals totals() {
        return new Totals(total, byOutcome, stale);
    }

    /** How many entries, per outcome (APPROVE, HOLD, REJECT, NONE) and stale. */
    public record Totals(long total, Map<String, Long> byOutcome, long stale) {
    }
}
