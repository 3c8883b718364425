package dev.safeupdater.execution;

import java.nio.file.Path;
import java.time.Clock;

import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.store.CycleStore;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.HistoryStore;
import dev.safeupdater.store.ImageTagStore;
import dev.safeupdater.store.InventoryStore;
import dev.safeupdater.store.ScanStore;

/** The cycle's services on one test database, wired as the application wires them; closed in reverse order. */
record CycleRig(ScanService scans, TagService tags, CycleService cycles) implements AutoCloseable {

    /** The services over {@code db} for the sources of {@code inventory}, the given registry, policy and store. */
    static CycleRig of(Database db, Clock clock, Path inventory, Registry registry, PolicyEngine policy,
                       CycleStore store) {
        TagService tags = new TagService(registry, new ImageTagStore(db), clock);
        ScanService scans = new ScanService(InventoryConfig.load(inventory), new InventoryStore(db, clock),
                new ScanStore(db, clock), clock);
        return new CycleRig(scans, tags, new CycleService(scans, tags, policy, store, new HistoryStore(db), clock));
    }

    @Override
    public void close() {
        cycles.close();
        scans.close();
        tags.close();
    }
}
