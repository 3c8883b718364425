package dev.safeupdater.inventory;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Per-workload hints, written as annotations (Kubernetes) or labels (Docker) under the prefix
 * {@code safe-updater.io/}:
 * <ul>
 *   <li>{@code safe-updater.io/enabled}: {@code "false"} opts the workload out; {@code "true"} opts it in where the
 *       source requires opt-in.</li>
 *   <li>{@code safe-updater.io/containers}: comma-separated container names; only these are tracked.</li>
 *   <li>{@code safe-updater.io/init-containers}: {@code "true"}/{@code "false"} overrides the source's
 *       {@code initContainers} setting for this workload.</li>
 *   <li>{@code safe-updater.io/policy}: the policy scope to use; kept with the annotations for the policy stage.</li>
 * </ul>
 */
final class Hints {
    static final String PREFIX = "safe-updater.io/";
    static final String ENABLED = PREFIX + "enabled";
    static final String CONTAINERS = PREFIX + "containers";
    static final String INIT_CONTAINERS = PREFIX + "init-containers";
    static final String POLICY = PREFIX + "policy";

    private Hints() {
    }

    /** Whether the workload is tracked: opted out by {@code enabled: false}; with opt-in, only {@code enabled: true}. */
    static boolean enabled(Map<String, String> hints, boolean requireOptIn) {
        String v = hints.get(ENABLED);
        if (v == null) {
            return !requireOptIn;
        }
        return Boolean.parseBoolean(v.strip());
    }

    /** The container names the workload restricts tracking to, or null when it does not. */
    static Set<String> containers(Map<String, String> hints) {
        String v = hints.get(CONTAINERS);
        if (v == null || v.isBlank()) {
            return null;
        }
        return Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** Whether init containers are tracked for this workload. */
    static boolean initContainers(Map<String, String> hints, boolean sourceDefault) {
        String v = hints.get(INIT_CONTAINERS);
        return v == null ? sourceDefault : Boolean.parseBoolean(v.strip());
    }
}
