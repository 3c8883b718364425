package dev.safeupdater.registry;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code rate} requests per second on average, up to {@code burst} at once. {@link #reserve()}
 * takes a token and says how long to wait before using it (reservations queue fairly); {@link #pauseUntil} holds
 * every later reservation until a time, as a {@code 429 Retry-After} asks.
 */
final class TokenBucket {
    private final double nanosPerToken;
    private final double burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;
    private long pausedUntil;

    TokenBucket(double ratePerSecond, int burst, LongSupplier nanoTime) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be > 0 and burst >= 1");
        }
        this.nanosPerToken = 1e9 / ratePerSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
        this.tokens = burst;
        this.last = nanoTime.getAsLong();
        this.pausedUntil = last;
    }

    /** Takes one token; returns the nanoseconds to wait before the request may go (0: now). */
    synchronized long reserve() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) / nanosPerToken);
        last = now;
        tokens -= 1;
        long wait = tokens >= 0 ? 0 : (long) Math.ceil(-tokens * nanosPerToken);
        return Math.max(wait, pausedUntil - now);
    }

    /** Holds reservations until {@code nanoTime} (a value of the same clock). */
    synchronized void pauseUntil(long until) {
        if (until - pausedUntil > 0) {
            pausedUntil = until;
        }
    }
}
