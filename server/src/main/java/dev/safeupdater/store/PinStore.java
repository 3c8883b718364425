package dev.safeupdater.store;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.Pin;
import org.jdbi.v3.core.Jdbi;

/** Pins by hand: add and remove, each with its {@code audit_event} in one transaction; list those in force. */
public final class PinStore {
    private final Jdbi jdbi;

    public PinStore(Database db) {
        this.jdbi = db.jdbi();
    }

    /** Adds a pin; false (nothing written) when the asset does not exist. */
    public Optional<Pin> add(long assetId, String tag, String digest, String reason, String actor, Instant now,
                             Instant expiresAt) {
        return jdbi.inTransaction(h -> {
            boolean exists = h.createQuery("SELECT COUNT(*) FROM asset WHERE id = :a").bind("a", assetId)
                    .mapTo(Integer.class).one() > 0;
            if (!exists) {
                return Optional.empty();
            }
            PinDao pins = new PinDao(h);
            long id = pins.insert(assetId, tag, digest, reason, null, actor, now, expiresAt);
            new AuditDao(h).append(now, actor, "pin.add", "pin", Long.toString(id), detail(assetId, tag, digest,
                    reason, null));
            return pins.find(id);
        });
    }

    /** Removes pin {@code id}; empty when there is no such pin; the pin as it was when it was already removed. */
    public Optional<Pin> remove(long id, String actor, Instant now) {
        return jdbi.inTransaction(h -> {
            PinDao pins = new PinDao(h);
            Optional<Pin> pin = pins.find(id);
            if (pin.isEmpty() || pin.get().removedAt() != null) {
                return pin;
            }
            pins.remove(id, now);
            Pin p = pin.get();
            new AuditDao(h).append(now, actor, "pin.remove", "pin", Long.toString(id),
                    detail(p.assetId(), p.tag(), p.digest(), p.reason(), p.runId()));
            return pins.find(id);
        });
    }

    public List<Pin> active(Long assetId, Instant now, int limit) {
        return jdbi.withHandle(h -> new PinDao(h).active(assetId, now, limit));
    }

    static Map<String, Object> detail(long assetId, String tag, String digest, String reason, Long runId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("assetId", assetId);
        m.put("tag", tag);
        m.put("digest", digest);
        m.put("reason", reason);
        m.put("runId", runId);
        return m;
    }
}
