package dev.safeupdater.policy;

import dev.safeupdater.model.ChangeType;

/**
 * A scope's {@code allow} knob: the largest change applied without a human. Each level includes the ones below it.
 * DIGEST (same tag, new image) and PRERELEASE (same version, other prerelease part) count as patch-sized; whether a
 * prerelease may be used at all is the {@code prerelease} knob's business. DOWNGRADE, NONE and UNKNOWN are never
 * within any level.
 */
public enum ChangeLevel {
    NONE, PATCH, MINOR, MAJOR;

    /** True when a change of type {@code type} is within this level. */
    public boolean permits(ChangeType type) {
        ChangeLevel needed = of(type);
        return needed != null && needed != NONE && needed.ordinal() <= ordinal();
    }

    /** The level a change type needs, or null when no level covers it. */
    public static ChangeLevel of(ChangeType type) {
        return switch (type) {
            case PATCH, DIGEST, PRERELEASE -> PATCH;
            case MINOR -> MINOR;
            case MAJOR -> MAJOR;
            case DOWNGRADE, NONE, UNKNOWN -> null;
        };
    }

    /** The name as written in policy files. */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
