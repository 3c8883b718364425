package dev.safeupdater.model;

/** Where a candidate's release time came from; {@code UNKNOWN} means there is none to trust. */
public enum ReleaseTimeSource {
    REGISTRY, IMAGE_CONFIG, UNKNOWN
}
