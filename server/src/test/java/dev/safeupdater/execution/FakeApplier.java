package dev.safeupdater.execution;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.safeupdater.rollout.Applier;
import dev.safeupdater.rollout.Change;
import dev.safeupdater.rollout.Health;
import dev.safeupdater.rollout.RolloutException;

/**
 * An in-process applier for executor tests: each workload (asset name) runs an image; behaviour per target tag:
 * {@code bad-pull} fails pre-flight, {@code unhealthy} fails verification, {@code broken} fails apply. Counts applies
 * per run and at once.
 */
final class FakeApplier implements Applier {
    final Map<String, String> running = new ConcurrentHashMap<>();
    final Map<Long, AtomicInteger> applies = new ConcurrentHashMap<>();
    final AtomicInteger rollbacks = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile Duration verifyTakes = Duration.ZERO;

    @Override
    public void preflight(Change c) throws RolloutException {
        if (c.toImage().endsWith(":bad-pull")) {
            throw new RolloutException("pulling " + c.toImage() + " failed: manifest unknown");
        }
    }

    @Override
    public void apply(Change c) throws RolloutException {
        applies.computeIfAbsent(c.runId(), k -> new AtomicInteger()).incrementAndGet();
        if (c.toImage().endsWith(":broken")) {
            throw new RolloutException("engine refused");
        }
        running.put(c.key().name(), c.toImage() + "#" + c.runId());
    }

    @Override
    public Landing landed(Change c) {
        String now = running.get(c.key().name());
        if ((c.toImage() + "#" + c.runId()).equals(now)) {
            return Landing.APPLIED;
        }
        return c.fromImage().equals(now) ? Landing.NOT_APPLIED : Landing.CHANGED_ELSEWHERE;
    }

    @Override
    public Health verify(Change c, Duration timeout) throws RolloutException {
        int n = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(n, Math::max);
        try {
            Thread.sleep(verifyTakes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
        boolean ok = !c.toImage().endsWith(":unhealthy") && !c.toImage().endsWith(":no-way-back");
        return new Health(ok, List.of(new Health.Check("container-running", ok, ok ? "running" : "exited (1)")),
                Duration.ZERO);
    }

    @Override
    public void rollback(Change c) throws RolloutException {
        rollbacks.incrementAndGet();
        if (c.toImage().endsWith(":no-way-back")) {
            throw new RolloutException("the old container is gone");
        }
        running.put(c.key().name(), c.fromImage());
    }

    int appliesOf(long run) {
        AtomicInteger n = applies.get(run);
        return n == null ? 0 : n.get();
    }
}
