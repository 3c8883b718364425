package dev.safeupdater.registry;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/** Politeness towards one registry: at most N requests in flight, and a token bucket for the rate. */
final class HostGate {
    /** Sleeps; replaced in tests. */
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final Semaphore permits;
    private final TokenBucket bucket;
    private final Sleeper sleeper;
    private final LongSupplier nanoTime;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    HostGate(HostOptions options, Sleeper sleeper, LongSupplier nanoTime) {
        this.permits = new Semaphore(options.maxConcurrent(), true);
        this.bucket = new TokenBucket(options.rate(), options.burst(), nanoTime);
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
    }

    /** Waits for a slot and a token. */
    void acquire() throws InterruptedException {
        permits.acquire();
        try {
            long wait = bucket.reserve();
            if (wait > 0) {
                sleeper.sleep(wait);
            }
        } catch (InterruptedException | RuntimeException e) {
            permits.release();
            throw e;
        }
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
    }

    void release() {
        inFlight.decrementAndGet();
        permits.release();
    }

    /** Holds every request to this registry for {@code nanos} (a 429's Retry-After). */
    void pause(long nanos) {
        bucket.pauseUntil(nanoTime.getAsLong() + nanos);
    }

    /** The most requests that were in flight at once. */
    int maxInFlight() {
        return maxInFlight.get();
    }
}
