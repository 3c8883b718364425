package dev.safeupdater.registry;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where the versions of an image or chart come from: an OCI repository's tags ({@link Registry}) or a chart's
 * versions in an HTTP repository's {@code index.yaml} ({@link dev.safeupdater.registry.helm.ChartVersionLookup}).
 * Callers (the tag service) write fallback, recording and candidate selection once against this interface.
 *
 * <p>A location is what an asset names: an image reference ({@code nginx}, {@code ghcr.io/org/app}), an OCI chart
 * ({@code oci://host/path/chart}) or an HTTP chart ({@code https://repo/path/chart}).
 */
public interface TagSource {

    /**
     * One tag as the source knows it: the digest it points to (null: unknown) and when that was released (null:
     * not looked up).
     */
    record Tag(String tag, String digest, ReleaseTime release) {
    }

    /**
     * The tags at one location. {@code known} holds the tags the listing itself describes (an index lists digests and
     * publication times; an OCI tag list describes none). {@code fetchedAt} null means "now". {@code stale} with
     * {@code error}: the source failed and answered from its own cache.
     */
    record Listing(List<String> tags, Map<String, Tag> known, Instant fetchedAt, boolean fromCache, boolean stale,
                   String error) {
        public Listing {
            tags = List.copyOf(tags);
            known = Map.copyOf(known);
        }
    }

    /**
     * The canonical name listings of {@code location} are recorded under; {@link IllegalArgumentException} for a
     * location this source cannot read.
     */
    String name(String location);

    /** The tags at {@code location}; {@link RegistryException} when the source fails and has nothing cached. */
    Listing list(String location);

    /**
     * What {@code tag} points to and, with {@code withReleaseTime}, when that was released;
     * {@link RegistryException} when it cannot be told.
     */
    Tag describe(String location, String tag, boolean withReleaseTime);
}
