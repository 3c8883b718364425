package dev.safeupdater.execution;

import java.time.Instant;

/** Pins {@code tag} (and, if given, only that digest) of asset {@code assetId} with a reason; optionally until a time. */
public record PinRequest(Long assetId, String tag, String digest, String reason, Instant expiresAt) {
}
