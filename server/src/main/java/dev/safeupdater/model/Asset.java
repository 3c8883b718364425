package dev.safeupdater.model;

import java.time.Instant;
import java.util.Map;

/** A tracked asset slot and the image it currently runs. */
public record Asset(long id,
                    AssetKey key,
                    String image,
                    String currentTag,
                    String currentDigest,
                    Map<String, String> labels,
                    Map<String, String> annotations,
                    Instant firstSeen,
                    Instant lastSeen,
                    Instant goneAt) {
    public Asset {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
