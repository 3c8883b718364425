package dev.safeupdater.execution;

import java.time.Duration;

/**
 * How update runs are executed (settings {@code apply.*} and {@code verify.*}).
 *
 * @param enabled          {@code apply.enabled}: approved decisions become runs only when true
 * @param maxConcurrent    {@code apply.max-concurrent}: runs being worked on at once, across all replicas
 * @param maxPerNamespace  {@code apply.max-per-namespace}: runs at once per namespace
 * @param lease            {@code apply.lease}: how long a claim holds without renewal (renewed every third of it)
 * @param pollInterval     {@code apply.poll-interval}: how often due runs are claimed and expired leases taken over
 * @param verifyTimeout    {@code verify.timeout}: how long health verification may take
 */
public record ApplyOptions(boolean enabled, int maxConcurrent, int maxPerNamespace, Duration lease,
                           Duration pollInterval, Duration verifyTimeout) {
    public static final ApplyOptions DEFAULTS = new ApplyOptions(false, 10, 2, Duration.ofSeconds(60),
            Duration.ofSeconds(2), Duration.ofMinutes(5));

    public ApplyOptions withEnabled(boolean on) {
        return new ApplyOptions(on, maxConcurrent, maxPerNamespace, lease, pollInterval, verifyTimeout);
    }
}
