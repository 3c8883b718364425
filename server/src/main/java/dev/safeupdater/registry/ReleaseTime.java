package dev.safeupdater.registry;

import java.time.Instant;

import dev.safeupdater.model.ReleaseTimeSource;

/**
 * When an image (or chart) was released, and where that came from: the image config's {@code created}
 * ({@code IMAGE_CONFIG}), the manifest's {@code org.opencontainers.image.created} annotation as stored in the
 * registry ({@code REGISTRY}), or nothing trustworthy ({@code UNKNOWN}, with a note why).
 */
public record ReleaseTime(Instant time, ReleaseTimeSource source, String note) {
    static ReleaseTime unknown(String note) {
        return new ReleaseTime(null, ReleaseTimeSource.UNKNOWN, note);
    }
}
