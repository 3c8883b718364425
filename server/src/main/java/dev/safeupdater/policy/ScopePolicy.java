package dev.safeupdater.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.Candidate;

/**
 * One scope of a policy file: which assets it covers ({@link Match}) and the knobs the shipped rules read.
 *
 * @param order    position among all scopes (files by name, then position in the file); breaks priority ties
 * @param settings the knobs as an owner would write them, for explanations and decision records; null: derived from
 *                 the other components when the scope is made (as every constructor but the canonical one does),
 *                 so that each evaluation does not build them again
 */
public record ScopePolicy(String name,
                          String description,
                          String owner,
                          String file,
                          int line,
                          int priority,
                          int order,
                          Match match,
                          ChangeLevel allow,
                          boolean prerelease,
                          Duration minReleaseAge,
                          boolean allowUnknownAge,
                          List<MaintenanceWindow> maintenanceWindows,
                          List<Freeze> freezes,
                          Approvals approvals,
                          Duration failureCooldown,
                          Mode mode,
                          Map<String, Object> settings) {
    public static final ChangeLevel DEFAULT_ALLOW = ChangeLevel.PATCH;
    public static final Duration DEFAULT_FAILURE_COOLDOWN = Duration.ofHours(24);

    public ScopePolicy {
        maintenanceWindows = List.copyOf(maintenanceWindows);
        freezes = List.copyOf(freezes);
        settings = settings != null ? Collections.unmodifiableMap(new LinkedHashMap<>(settings))
                : settingsOf(priority, allow, prerelease, minReleaseAge, allowUnknownAge, maintenanceWindows, freezes,
                        approvals, failureCooldown, mode);
    }

    public ScopePolicy(String name, String description, String owner, String file, int line, int priority, int order,
                       Match match, ChangeLevel allow, boolean prerelease, Duration minReleaseAge,
                       boolean allowUnknownAge, List<MaintenanceWindow> maintenanceWindows, List<Freeze> freezes,
                       Approvals approvals, Duration failureCooldown, Mode mode) {
        this(name, description, owner, file, line, priority, order, match, allow, prerelease, minReleaseAge,
                allowUnknownAge, maintenanceWindows, freezes, approvals, failureCooldown, mode, null);
    }

    /**
     * How far back failures count for this scope: {@link dev.safeupdater.model.History#FAILURE_WINDOW} (7 days), or
     * {@code failureCooldown} when that is longer.
     */
    public Duration failureWindow() {
        Duration base = dev.safeupdater.model.History.FAILURE_WINDOW;
        return failureCooldown != null && failureCooldown.compareTo(base) > 0 ? failureCooldown : base;
    }

    public boolean matches(Candidate c) {
        return match.matches(c);
    }

    /** True when {@code t} is inside one of the maintenance windows, or when the scope has none. */
    public boolean inMaintenanceWindow(Instant t) {
        if (maintenanceWindows.isEmpty()) {
            return true;
        }
        for (MaintenanceWindow w : maintenanceWindows) {
            if (w.isOpen(t)) {
                return true;
            }
        }
        return false;
    }

    /** The earliest opening of any window after {@code t}, or null when the scope has no windows. */
    public ZonedDateTime nextWindowOpening(Instant t) {
        ZonedDateTime best = null;
        for (MaintenanceWindow w : maintenanceWindows) {
            ZonedDateTime next = w.nextOpening(t);
            if (next != null && (best == null || next.toInstant().isBefore(best.toInstant()))) {
                best = next;
            }
        }
        return best;
    }

    /** The freeze covering {@code t} that ends last, or null. */
    public Freeze activeFreeze(Instant t) {
        Freeze found = null;
        for (Freeze f : freezes) {
            if (f.covers(t) && (found == null || f.to().isAfter(found.to()))) {
                found = f;
            }
        }
        return found;
    }

    /** The knobs as an owner would write them (unmodifiable), in the order explanations show them. */
    private static Map<String, Object> settingsOf(int priority, ChangeLevel allow, boolean prerelease,
                                                  Duration minReleaseAge, boolean allowUnknownAge,
                                                  List<MaintenanceWindow> maintenanceWindows, List<Freeze> freezes,
                                                  Approvals approvals, Duration failureCooldown, Mode mode) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("priority", priority);
        out.put("allow", allow == null ? null : allow.yamlName());
        out.put("prerelease", prerelease);
        out.put("minReleaseAge", Durations.format(minReleaseAge));
        out.put("allowUnknownAge", allowUnknownAge);
        out.put("maintenanceWindows", maintenanceWindows.stream().map(MaintenanceWindow::text).toList());
        out.put("freezes", freezes.stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", f.from().toString());
            m.put("to", f.to().toString());
            if (f.reason() != null) {
                m.put("reason", f.reason());
            }
            return Collections.unmodifiableMap(m);
        }).toList());
        out.put("approvals", approvals == null ? null
                : Map.of("count", approvals.count(), "deadline", Durations.format(approvals.deadline())));
        out.put("failureCooldown", Durations.format(failureCooldown));
        out.put("mode", mode == null ? null : mode.yamlName());
        return Collections.unmodifiableMap(out);
    }
}
