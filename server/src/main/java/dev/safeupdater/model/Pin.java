package dev.safeupdater.model;

import java.time.Instant;

/**
 * A version never to propose again for an asset, until the pin is removed or expires: set after a rollback (with the
 * run that failed) or by hand. A null digest pins the tag whatever it points to.
 */
public record Pin(long id, long assetId, String tag, String digest, String reason, Long runId, String createdBy,
                  Instant createdAt, Instant expiresAt, Instant removedAt) {
}
