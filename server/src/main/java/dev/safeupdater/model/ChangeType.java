package dev.safeupdater.model;

/**
 * What kind of change moving from the current tag to a candidate tag is.
 *
 * <p>{@code NONE} means same tag and same digest; {@code UNKNOWN} means the tags cannot be compared
 * (for example {@code latest} to {@code 1.2.3}).
 */
public enum ChangeType {
    PATCH, MINOR, MAJOR, PRERELEASE, DIGEST, DOWNGRADE, NONE, UNKNOWN
}
