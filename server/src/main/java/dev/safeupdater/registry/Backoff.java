package dev.safeupdater.registry;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/** Retry delays: exponential backoff with full jitter, and {@code Retry-After} values. */
final class Backoff {
    private Backoff() {
    }

    /** A random delay in [base, min(max, base * 2^attempt)] for retry number {@code attempt} (0 first). */
    static long delayNanos(int attempt, Duration base, Duration max) {
        long b = base.toNanos();
        long cap = Math.min(max.toNanos(), b << Math.min(attempt, 20));
        return cap <= b ? b : ThreadLocalRandom.current().nextLong(b, cap + 1);
    }

    /**
     * A {@code Retry-After} value (delta seconds or an HTTP date) as a duration from {@code now}; null when absent or
     * unreadable. Never negative.
     */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return Duration.ofSeconds(Math.max(0, seconds));
        } catch (NumberFormatException e) {
            // an HTTP date
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
