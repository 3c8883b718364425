package dev.safeupdater.model;

/** What one kind of asset did in a sync or scan: slots seen, added, changed and gone. */
public record KindCounts(int seen, int added, int changed, int gone) {
}
