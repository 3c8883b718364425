package dev.safeupdater.version;

import dev.safeupdater.model.ChangeType;

/** The classes of an upward move a candidate is proposed for; policy decides which are allowed. */
public enum ChangeClass {
    PATCH, MINOR, MAJOR, PRERELEASE;

    /** The change type a move of this class is. */
    public ChangeType changeType() {
        return ChangeType.valueOf(name());
    }

    /** The JSON/CLI key: {@code patch}, {@code minor}, ... */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The class of moving up from {@code from} to the higher {@code to}. */
    static ChangeClass of(TagVersion from, TagVersion to) {
        int i = VersionOrder.firstDifference(from, to);
        if (i == 0) {
            return MAJOR;
        }
        if (i == 1) {
            return MINOR;
        }
        if (i > 1) {
            return PATCH;
        }
        return VersionOrder.comparePrerelease(from, to) != 0 ? PRERELEASE : PATCH;
    }
}
