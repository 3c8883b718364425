package dev.safeupdater.store;

/** How many current (not gone) assets of one source and kind the store tracks. */
public record TrackedCount(String source, String kind, long count) {
}
