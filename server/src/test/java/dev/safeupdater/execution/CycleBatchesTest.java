package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.safeupdater.model.Cycle;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.registry.Credentials;
import dev.safeupdater.registry.CycleRegistry;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryCredentials;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.store.CycleStore;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A cycle over more assets than one propose-and-decide batch holds: 250 static assets on the real registry, 100 per
 * batch (H2's own size; PostgreSQL's is 1,000, set to 100 here too), half on 1.0.0 and half on 1.1.0, interleaved
 * so that every batch holds both. Each asset must get its own candidates, and its plan row must point at its own
 * decision, whichever batch it was in.
 */
class CycleBatchesTest {
    private static final int ASSETS = 250;

    @Nested
    class OnH2 extends Contract {
        OnH2() {
            super(TestDatabase.Kind.H2);
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(TestDatabase.Kind.POSTGRES);
        }
    }

    abstract static class Contract extends DatabaseContract {
        CycleRegistry registry;
        CycleService cycles;
        CycleRig rig;
        final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T08:00:00Z"));

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void setUp() throws Exception {
            Path tmp = Files.createTempDirectory("su-cycle-batches-");
            registry = CycleRegistry.start();
            StringBuilder assets = new StringBuilder("assets:\n");
            for (int i = 0; i < ASSETS; i++) {
                assets.append("  - {kind: VM, name: vm-").append(String.format("%03d", i)).append(", image: ")
                        .append(registry.host()).append("/demo/web:").append(tagOf(i)).append("}\n");
            }
            Files.writeString(tmp.resolve("assets.yaml"), assets);
            Files.writeString(tmp.resolve("inventory.yaml"),
                    "sources:\n  - {name: hosts, type: static, file: assets.yaml}\n");
            PolicyEngine engine = new PolicyEngine(clock, new PolicySources(TestPaths.rules(), TestPaths.policies(),
                    null, false), new Candidates());
            new PolicyService(engine).reload("test");
            Registry r = new Registry(RegistryOptions.builder()
                    .defaults(new HostOptions(false, null, 1000, 1000, 8))
                    .insecure(Set.of(registry.host()))
                    .credentials(RegistryCredentials.of(registry.host(),
                            Credentials.basic(registry.user(), registry.password())))
                    .retries(0)
                    .cache(Duration.ZERO, 100)
                    .build());
            rig = CycleRig.of(db.database(), clock, tmp.resolve("inventory.yaml"), r, engine,
                    new CycleStore(db.database(), 100));
            cycles = rig.cycles();
        }

        @AfterAll
        void tearDown() {
            rig.close();
            registry.close();
        }

        static String tagOf(int i) {
            return i % 2 == 0 ? "1.0.0" : "1.1.0";
        }

        @Test
        void everyBatchDecidesItsOwnAssetsAndAnUnchangedCycleWritesNothing() {
            Cycle first = cycles.runOnce("tester", "cli");

            assertEquals(Cycle.SUCCEEDED, first.state(), first.toString());
            assertEquals(ASSETS, first.count("assetsTracked"));
            // 1.0.0: patch 1.0.1, minor 1.1.0, major 2.0.0; 1.1.0: major 2.0.0 only
            assertEquals(ASSETS / 2 * 3 + ASSETS / 2, first.count("decisionsWritten"));
            // the registry cache is off: still one listing, and each tag described once for all 250 workloads (758
            // requests when each workload asked for its own candidates)
            assertEquals(1, first.count("imagesLookedUp"));
            assertTrue(first.count("registryRequests") <= 20, first.count("registryRequests") + " registry requests");
            Plan plan = cycles.plan(PlanFilter.ALL, null, ASSETS + 10);
            assertEquals(ASSETS, plan.items().size());
            Map<Long, String> ownerOfDecision = db.database().jdbi().withHandle(h -> h.createQuery(
                            "SELECT d.id, a.name || ' ' || d.from_tag || ' ' || d.to_tag FROM decision d"
                                    + " JOIN asset a ON a.id = d.asset_id")
                    .reduceRows(new java.util.HashMap<Long, String>(), (m, row) -> {
                        m.put(row.getColumn(1, Long.class), row.getColumn(2, String.class));
                        return m;
                    }));
            for (PlanEntry e : plan.items()) {
                int i = Integer.parseInt(e.asset().name().substring(3));
                assertEquals(tagOf(i), e.currentTag(), e.asset().name());
                List<String> expected = i % 2 == 0 ? List.of("PATCH 1.0.1", "MINOR 1.1.0", "MAJOR 2.0.0")
                        : List.of("MAJOR 2.0.0");
                assertEquals(expected, e.candidates().stream().map(c -> c.changeClass() + " " + c.tag()).toList(),
                        e.asset().name());
                assertFalse(e.stale());
                assertNotNull(e.decisionId(), e.asset().name());
                assertEquals(e.asset().name() + " " + tagOf(i) + " " + e.proposedTag(),
                        ownerOfDecision.get(e.decisionId()), "the plan row points at the asset's own decision");
            }

            clock.advance(Duration.ofMinutes(15));
            Cycle second = cycles.runOnce("tester", "cli");

            assertEquals(Cycle.SUCCEEDED, second.state(), second.toString());
            assertEquals(0, second.count("decisionsWritten"));
            assertEquals(first.count("decisionsWritten"), second.count("decisionsUnchanged"));
            assertEquals(ASSETS, second.count("planRowsUnchanged"));
            assertTrue(second.count("registryRequests") <= 20, second.count("registryRequests") + " registry requests");
            assertEquals(first.count("decisionsWritten"), db.count("decision"));
        }
    }
}
