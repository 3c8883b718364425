package dev.safeupdater.model;

/**
 * Where a candidate's release time came from; {@code UNKNOWN} means there is none to trust. {@code REGISTRY} and
 * {@code IMAGE_CONFIG} are recorded by the registry stage (the only ones a stored decision uses); {@code CALLER} is a
 * time given by whoever asked for a what-if evaluation, which stores nothing.
 */
public enum ReleaseTimeSource {
    REGISTRY, IMAGE_CONFIG, UNKNOWN, CALLER
}
