package dev.safeupdater.version;

/** Why an available tag is not a candidate for the current tag. */
public enum IgnoreReason {
    /** The tag is the current tag. */
    CURRENT,
    /** The current tag is not a version ({@code latest}, ...): it is followed by digest, not by tag. */
    CURRENT_NOT_A_VERSION,
    /** The tag is not a version ({@code latest}, {@code stable}, a commit SHA, ...). */
    NOT_A_VERSION,
    /** Another prefix ({@code v1.2.3} for {@code 1.2.3}). */
    PREFIX_DIFFERS,
    /** A calendar version for a semantic one, or the other way round. */
    SCHEME_DIFFERS,
    /** Another number of parts ({@code 16.3.1} for {@code 16.1}) or another revision style. */
    PRECISION_DIFFERS,
    /** Another variant ({@code 1.26.0} or {@code 1.26.0-alpine3.19} for {@code 1.25.3-alpine}). */
    VARIANT_DIFFERS,
    /** Lower than the current version. */
    OLDER,
    /** The same version as the current one, written differently. */
    SAME_VERSION,
    /** A prerelease, and the asset has not opted in to prereleases. */
    PRERELEASE,
    /** A newer tag of the same change class was chosen. */
    NOT_NEWEST;

    /** The reason as a short phrase, for output. */
    public String phrase() {
        return switch (this) {
            case CURRENT -> "the current tag";
            case CURRENT_NOT_A_VERSION -> "the current tag is not a version (followed by digest)";
            case NOT_A_VERSION -> "not a version";
            case PREFIX_DIFFERS -> "prefix differs";
            case SCHEME_DIFFERS -> "version scheme differs";
            case PRECISION_DIFFERS -> "precision differs";
            case VARIANT_DIFFERS -> "variant differs";
            case OLDER -> "older";
            case SAME_VERSION -> "same version";
            case PRERELEASE -> "prerelease";
            case NOT_NEWEST -> "not the newest";
        };
    }
}
