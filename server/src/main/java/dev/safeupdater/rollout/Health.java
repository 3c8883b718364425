package dev.safeupdater.rollout;

import java.time.Duration;
import java.util.List;

/**
 * The verdict of a health verification.
 *
 * @param healthy  whether the workload is healthy on the new version
 * @param checks   what was checked, each with its result, in order (for the run's events and the auditors)
 * @param took     how long verification took
 */
public record Health(boolean healthy, List<Check> checks, Duration took) {
    public Health {
        checks = List.copyOf(checks);
    }

    /** One check: its name ({@code container-running}, {@code healthcheck}, {@code http-probe}, {@code rollout}), passed, detail. */
    public record Check(String name, boolean passed, String detail) {
    }
}
