package dev.safeupdater.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a token may do. Each role includes the one before it: {@code viewer} reads assets, decisions, rules, tags
 * and asks what-ifs; {@code auditor} also reads history, audit events and notification deliveries; {@code approver}
 * also votes; {@code admin} also reloads rules, scans, registers assets and records decisions.
 */
public enum Role {
    VIEWER, AUDITOR, APPROVER, ADMIN;

    /** True when this role may do what {@code required} may. */
    public boolean includes(Role required) {
        return compareTo(required) >= 0;
    }

    /** The lower-case name used in token files and documentation. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a role name in any case; null when it is none of them. */
    public static Role parse(String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(r -> r.name().equals(v)).findFirst().orElse(null);
    }

    /** The role names, lower case, for messages. */
    public static String ids() {
        return String.join(", ", Arrays.stream(values()).map(Role::id).toList());
    }
}
