package dev.safeupdater.inventory;

/** Progress reports of a source while it lists: {@code done} items of {@code total} ({@code -1}: not known yet). */
@FunctionalInterface
public interface ScanProgress {
    /** Reports nothing. */
    ScanProgress NONE = (what, done, total) -> { };

    /**
     * @param what what is being listed, e.g. {@code Deployment}
     * @param done items listed so far by this source
     * @param total the expected number of items, or -1 when the source cannot know
     */
    void listed(String what, long done, long total);
}
