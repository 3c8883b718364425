package dev.safeupdater.model;

/**
 * Filters for listing assets; null fields do not filter. {@code image} matches the repository exactly, {@code q} is a
 * case-insensitive substring of name, namespace, image or container; {@code gone} true lists only assets no longer
 * seen, false only current ones, null both.
 */
public record AssetFilter(String source, String cluster, String namespace, String kind, String image, String q,
                          Boolean gone) {
    /** No filter at all. */
    public static AssetFilter none() {
        return new AssetFilter(null, null, null, null, null, null, null);
    }
}
