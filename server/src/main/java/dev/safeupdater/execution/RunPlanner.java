package dev.safeupdater.execution;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.RunStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns decisions into update runs: only an APPROVE decision of an enforce-mode scope, only while
 * {@code apply.enabled} is true, at most one run per decision and one active run per asset (the store enforces both,
 * also across replicas).
 */
public final class RunPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(RunPlanner.class);

    private final RunStore runs;
    private final AssetStore assets;
    private final boolean enabled;
    private final Clock clock;

    public RunPlanner(RunStore runs, AssetStore assets, boolean enabled, Clock clock) {
        this.runs = runs;
        this.assets = assets;
        this.enabled = enabled;
        this.clock = clock;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Whether {@code d} may become a run: APPROVE, decided in an enforce-mode scope. */
    static boolean applicable(Decision d) {
        return applicable(d.outcome(), d.mode());
    }

    /** Whether a decision with this outcome and scope mode may become a run: APPROVE in an enforce-mode scope. */
    static boolean applicable(Outcome outcome, String mode) {
        return outcome == Outcome.APPROVE && "ENFORCE".equals(mode);
    }

    /** Queues a run for each applicable decision in {@code current}; returns how many runs were queued. */
    public int enqueueApproved(List<Decision> current) {
        if (!enabled) {
            return 0;
        }
        int queued = 0;
        for (Decision d : current) {
            if (!applicable(d)) {
                continue;
            }
            Optional<Asset> asset = assets.find(d.assetId());
            if (asset.isEmpty() || asset.get().goneAt() != null) {
                continue;
            }
            String image = asset.get().image();
            Optional<Long> run = runs.enqueue(d, image + ":" + d.fromTag(), image + ":" + d.toTag(), "planner",
                    clock.instant());
            if (run.isPresent()) {
                queued++;
                LOG.atInfo().addKeyValue("event", "run_queued").addKeyValue("run_id", run.get())
                        .addKeyValue("asset_id", d.assetId()).addKeyValue("decision_id", d.id())
                        .addKeyValue("to_tag", d.toTag())
                        .log("update run {} queued: asset {} to {}", run.get(), d.assetId(), d.toTag());
            }
        }
        return queued;
    }
}
