package dev.safeupdater.execution;

import java.time.Clock;
import java.util.List;

import dev.safeupdater.model.Pin;
import dev.safeupdater.store.PinStore;

/**
 * Pins: versions never proposed again for an asset until the pin is removed (or expires). Rollbacks of unhealthy
 * versions pin by themselves (with the run); people list, add and remove pins here. Every change is audited.
 */
public final class PinService {
    static final int MAX_LISTED = 500;
    private static final int MAX_REASON = 2000;

    private final PinStore store;
    private final Clock clock;

    public PinService(PinStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Pins in force, newest first; of one asset when {@code assetId} is given. */
    public List<Pin> list(Long assetId) {
        return store.active(assetId, clock.instant(), MAX_LISTED);
    }

    public Pin add(PinRequest r, String actor) {
        new InputCheck()
                .required("assetId", r.assetId() == null ? null : r.assetId().toString())
                .required("tag", r.tag()).tag("tag", r.tag())
                .digest("digest", r.digest())
                .required("reason", r.reason()).maxLength("reason", r.reason(), MAX_REASON)
                .future("expiresAt", r.expiresAt(), clock.instant())
                .throwIfAny();
        return store.add(r.assetId(), r.tag(), r.digest(), r.reason().strip(), actor, clock.instant(), r.expiresAt())
                .orElseThrow(() -> new NotFoundException("asset", r.assetId()));
    }

    /** Removes pin {@code id} (idempotent: removing a removed pin returns it unchanged). */
    public Pin remove(long id, String actor) {
        return store.remove(id, actor, clock.instant()).orElseThrow(() -> new NotFoundException("pin", id));
    }
}
