package dev.safeupdater.policy;

import java.time.Duration;

/**
 * A scope's {@code approvals} knob: how many distinct people must approve a candidate (its tag and digest) before it
 * may be applied, and how long a vote counts after it was cast ({@code deadline}; an older vote no longer counts).
 */
public record Approvals(int count, Duration deadline) {
    public static final Duration DEFAULT_DEADLINE = Duration.ofHours(24);
    public static final Approvals NONE = new Approvals(0, DEFAULT_DEADLINE);

    public boolean required() {
        return count > 0;
    }
}
