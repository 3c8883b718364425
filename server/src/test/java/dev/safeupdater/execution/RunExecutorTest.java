package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationEventType;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Pin;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.HistoryStore;
import dev.safeupdater.store.PinStore;
import dev.safeupdater.store.RunRecord;
import dev.safeupdater.store.RunStore;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Listings;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The update-run state machine with an in-process applier, on both databases: planning (only APPROVE in enforce
 * mode, idempotent, one active run per asset), success, rollback with a pin, failed pre-flight, recovery of an
 * interrupted run without a second apply, limits, freezes, two executors sharing one database.
 */
class RunExecutorTest {

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
        private static final String POLICY = String.join("\n",
                "scopes:",
                "  - name: frozen",
                "    priority: 10",
                "    match: {namespace: frozen}",
                "    freezes:",
                "      - {from: 2020-01-01, to: 2099-01-01, reason: test freeze}",
                "  - name: trial",
                "    priority: 10",
                "    match: {namespace: trial}",
                "    mode: dry-run",
                "  - name: everything",
                "    priority: -1",
                "    allow: major",
                "    allowUnknownAge: true",
                "");
        private final Clock clock = Clock.systemUTC();
        private Path dir;
        private PolicyEngine policy;
        private PolicySnapshot snapshot;
        private AssetStore assets;
        private DecisionStore decisions;
        private RunStore runs;
        private RunPlanner planner;
        private FakeApplier applier;
        private Appliers appliers;
        private DecisionService decide;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void open() throws Exception {
            dir = Files.createTempDirectory("runs");
            Files.createDirectories(dir.resolve("policies"));
            Files.writeString(dir.resolve("policies/test.yaml"), POLICY);
            policy = new PolicyEngine(clock, new PolicySources(TestPaths.rules(), dir.resolve("policies"), null, false),
                    new Candidates());
            new PolicyService(policy).reload("test");
            snapshot = policy.require();
            assets = new AssetStore(db.database(), clock);
            decisions = new DecisionStore(db.database());
            runs = new RunStore(db.database());
            planner = new RunPlanner(runs, assets, true, clock);
            applier = new FakeApplier();
            appliers = new Appliers().register("docker", "engine", applier);
            decide = new DecisionService(policy, assets, decisions, new HistoryStore(db.database()), null, clock);
            // decide accepts only candidates the registry's recorded listing holds
            Listings.record(db.database(), TagService.storageName("127.0.0.1:5000/demo/web"), "0.9.0", "1.0.0",
                    "1.0.1", "1.0.1-rc.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8", "1.1.0",
                    "2.0.0", "unhealthy");
        }

        @AfterAll
        void cleanUp() throws IOException {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        private Asset asset(String namespace) {
            String name = "web-" + UUID.randomUUID().toString().substring(0, 8);
            Asset a = assets.upsert(new AssetKey("docker", "engine", namespace, "Container", name, ""),
                    "127.0.0.1:5000/demo/web", "1.0.0", null, Map.of(), Map.of(), "test").asset();
            applier.running.put(name, "127.0.0.1:5000/demo/web:1.0.0");
            return a;
        }

        private Decision decision(Asset a, String toTag, Outcome outcome, String mode) {
            return decisions.append(new Decision(0, a.id(), "1.0.0", toTag, null, null, ChangeType.PATCH, outcome,
                    List.of("test"), List.of(), null, snapshot.rules().revision(), snapshot.policies().revision(),
                    "everything", mode, Map.of(), "test", clock.instant()));
        }

        private RunExecutor executor(int maxConcurrent, int perNamespace) {
            return new RunExecutor(runs, assets, appliers, policy, decide, new ApplyOptions(true, maxConcurrent,
                    perNamespace, Duration.ofSeconds(30), Duration.ofMillis(50), Duration.ofSeconds(10)), clock);
        }

        private RunRecord only(Asset a) {
            List<RunRecord> list = runs.forAsset(a.id());
            assertEquals(1, list.size(), "runs of asset " + a.id());
            return list.getFirst();
        }

        private RunRecord awaitFinal(long runId) throws InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end) {
                RunRecord r = runs.find(runId).orElseThrow();
                if (List.of("SUCCEEDED", "FAILED", "ROLLED_BACK", "ROLLBACK_FAILED").contains(r.state())) {
                    return r;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("run " + runId + " did not finish: " + runs.find(runId).orElseThrow());
        }

        private List<String> states(long runId) {
            return runs.events(runId).stream().map(e -> e[1]).toList();
        }

        private static double count(String name, String source, String namespace) {
            return Services.get(MeterRegistry.class).getOrCreate(Counter.builder(name)
                    .tags(List.of(Tag.create("source", source), Tag.create("namespace", namespace)))).count();
        }

        @Test
        void anApprovedDecisionIsAppliedVerifiedAndRecorded() throws InterruptedException {
            Asset a = asset("shop");
            double attempted = count("safe_updater_updates_attempted", "docker", "shop");
            double succeeded = count("safe_updater_updates_succeeded", "docker", "shop");
            assertEquals(1, planner.enqueueApproved(List.of(decision(a, "1.0.1", Outcome.APPROVE, "ENFORCE"))));
            RunRecord queued = only(a);
            assertEquals("QUEUED", queued.state());
            try (RunExecutor ex = executor(10, 2)) {
                ex.start();
                RunRecord done = awaitFinal(queued.id());
                assertEquals("SUCCEEDED", done.state(), String.valueOf(done.error()));
                assertTrue(ex.awaitIdle(Duration.ofSeconds(30)), "the worker finished (metrics follow the final move)");
            }
            assertEquals(List.of("QUEUED", "CLAIMED", "APPLYING", "VERIFYING", "SUCCEEDED"), states(queued.id()));
            assertEquals(1, applier.appliesOf(queued.id()));
            assertEquals("127.0.0.1:5000/demo/web:1.0.1#" + queued.id(), applier.running.get(a.key().name()));
            assertEquals("1.0.1", assets.find(a.id()).orElseThrow().currentTag(), "the asset records the new version");
            assertEquals(attempted + 1, count("safe_updater_updates_attempted", "docker", "shop"));
            assertEquals(succeeded + 1, count("safe_updater_updates_succeeded", "docker", "shop"));
            // the run is no longer active: the asset may get its next run
            assertEquals(1, planner.enqueueApproved(List.of(decision(a, "1.0.2", Outcome.APPROVE, "ENFORCE"))));
        }

        @Test
        void anUnhealthyVersionIsRolledBackPinnedAndCoolsDown() throws InterruptedException {
            Asset a = asset("shop2");
            double rollbacks = count("safe_updater_rollbacks", "docker", "shop2");
            double failedChecks = count("safe_updater_failed_health_checks", "docker", "shop2");
            double failed = count("safe_updater_updates_failed", "docker", "shop2");
            planner.enqueueApproved(List.of(decision(a, "unhealthy", Outcome.APPROVE, "ENFORCE")));
            RunRecord run = only(a);
            try (RunExecutor ex = executor(10, 2)) {
                ex.start();
                RunRecord done = awaitFinal(run.id());
                assertEquals("ROLLED_BACK", done.state());
                assertTrue(done.error().contains("container-running"), done.error());
                assertTrue(ex.awaitIdle(Duration.ofSeconds(30)));
            }
            assertEquals(List.of("QUEUED", "CLAIMED", "APPLYING", "VERIFYING", "ROLLING_BACK", "ROLLED_BACK"),
                    states(run.id()));
            assertEquals("127.0.0.1:5000/demo/web:1.0.0", applier.running.get(a.key().name()));
            List<Pin> pins = new PinStore(db.database()).active(a.id(), clock.instant(), 10);
            assertEquals(1, pins.size());
            assertEquals("unhealthy", pins.getFirst().tag());
            assertEquals(run.id(), pins.getFirst().runId());
            assertEquals(1L, (long) db.database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM audit_event WHERE action = 'pin.add' AND resource_id = :id")
                    .bind("id", Long.toString(pins.getFirst().id())).mapTo(Long.class).one()));
            assertEquals(rollbacks + 1, count("safe_updater_rollbacks", "docker", "shop2"));
            assertEquals(failedChecks + 1, count("safe_updater_failed_health_checks", "docker", "shop2"));
            assertEquals(failed + 1, count("safe_updater_updates_failed", "docker", "shop2"));
            // the policy now holds the pinned version and, within the cooldown, any other
            Decision again = decide.decide(a.id(), new DecideRequest("unhealthy", null), "test");
            assertFalse(again.outcome() == Outcome.APPROVE, again.reasons().toString());
            assertTrue(again.reasons().toString().contains("pinned"), again.reasons().toString());
            Decision other = decide.decide(a.id(), new DecideRequest("1.0.5", null), "test");
            assertFalse(other.outcome() == Outcome.APPROVE, "failure cooldown: " + other.reasons());
        }

        @Test
        void aFailedPreflightChangesNothing() throws InterruptedException {
            Asset a = asset("shop3");
            planner.enqueueApproved(List.of(decision(a, "bad-pull", Outcome.APPROVE, "ENFORCE")));
            RunRecord run = only(a);
            try (RunExecutor ex = executor(10, 2)) {
                ex.start();
                RunRecord done = awaitFinal(run.id());
                assertEquals("FAILED", done.state());
                assertTrue(done.error().contains("manifest unknown"), done.error());
            }
            assertEquals(List.of("QUEUED", "CLAIMED", "FAILED"), states(run.id()));
            assertEquals(0, applier.appliesOf(run.id()));
            assertEquals("127.0.0.1:5000/demo/web:1.0.0", applier.running.get(a.key().name()));
            assertTrue(new PinStore(db.database()).active(a.id(), clock.instant(), 10).isEmpty());
        }

        @Test
        void runsThatEndBadlyAreAnnounced() throws InterruptedException {
            Asset ok = asset("news1");
            Asset sick = asset("news2");
            Asset pull = asset("news3");
            Asset stuck = asset("news4");
            planner.enqueueApproved(List.of(decision(ok, "1.0.1", Outcome.APPROVE, "ENFORCE"),
                    decision(sick, "unhealthy", Outcome.APPROVE, "ENFORCE"),
                    decision(pull, "bad-pull", Outcome.APPROVE, "ENFORCE"),
                    decision(stuck, "no-way-back", Outcome.APPROVE, "ENFORCE")));
            List<NotificationEvent> published = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (RunExecutor ex = executor(10, 10)) {
                ex.notifyTo(published::add);
                ex.start();
                for (Asset a : List.of(ok, sick, pull, stuck)) {
                    awaitFinal(only(a).id());
                }
                assertTrue(ex.awaitIdle(Duration.ofSeconds(30)));
            }
            assertEquals("ROLLBACK_FAILED", only(stuck).state());
            Map<String, NotificationEvent> byAsset = new java.util.HashMap<>();
            published.forEach(e -> byAsset.put(e.asset().key().namespace(), e));
            assertEquals(3, published.size(), "the successful run is not announced: " + published);
            NotificationEvent rolledBack = byAsset.get("news2");
            assertEquals(NotificationEventType.ROLLBACK_DONE, rolledBack.type());
            assertEquals(only(sick).id(), rolledBack.runId());
            assertEquals("everything", rolledBack.scope(), "routed by the decision's scope");
            assertEquals("unhealthy", rolledBack.change().toTag());
            assertEquals(ChangeType.PATCH, rolledBack.change().changeType());
            assertTrue(rolledBack.reasons().getFirst().contains("container-running"), rolledBack.reasons().toString());
            assertEquals(NotificationEventType.UPDATE_FAILED, byAsset.get("news3").type());
            assertTrue(byAsset.get("news3").reasons().getFirst().contains("manifest unknown"),
                    byAsset.get("news3").reasons().toString());
            assertEquals(NotificationEventType.ROLLBACK_FAILED, byAsset.get("news4").type());
            assertTrue(byAsset.get("news4").summary().contains("needs a person"), byAsset.get("news4").summary());
        }

        @Test
        void aFailedApplyIsRolledBackWithoutPinning() throws InterruptedException {
            Asset a = asset("shop4");
            planner.enqueueApproved(List.of(decision(a, "broken", Outcome.APPROVE, "ENFORCE")));
            RunRecord run = only(a);
            try (RunExecutor ex = executor(10, 2)) {
                ex.start();
                assertEquals("ROLLED_BACK", awaitFinal(run.id()).state());
            }
            assertEquals(List.of("QUEUED", "CLAIMED", "APPLYING", "ROLLING_BACK", "ROLLED_BACK"), states(run.id()));
            assertTrue(new PinStore(db.database()).active(a.id(), clock.instant(), 10).isEmpty());
        }

        @Test
        void onlyApprovedEnforcedDecisionsBecomeRunsOncePerDecisionAndAsset() {
            Asset a = asset("plan");
            Decision hold = decision(a, "1.0.1", Outcome.HOLD, "ENFORCE");
            Decision reject = decision(a, "1.0.1", Outcome.REJECT, "ENFORCE");
            Decision dry = decision(a, "1.0.1", Outcome.APPROVE, "DRY_RUN");
            assertEquals(0, planner.enqueueApproved(List.of(hold, reject, dry)));
            assertEquals(0, new RunPlanner(runs, assets, false, clock).enqueueApproved(
                    List.of(decision(a, "1.0.1", Outcome.APPROVE, "ENFORCE"))), "apply.enabled=false queues nothing");
            Decision ok = decision(a, "1.0.1", Outcome.APPROVE, "ENFORCE");
            assertEquals(1, planner.enqueueApproved(List.of(ok, ok)));
            assertEquals(0, planner.enqueueApproved(List.of(ok)), "never two runs for one decision");
            assertEquals(0, planner.enqueueApproved(List.of(decision(a, "1.0.2", Outcome.APPROVE, "ENFORCE"))),
                    "one active run per asset");
            assertEquals(1, runs.forAsset(a.id()).size());
        }

        /** Random scopes × candidates × modes through the real policy: a run only ever comes from APPROVE + enforce. */
        @Test
        void propertyNoRunWithoutAnEnforcedApproval() {
            Random random = new Random(20261130L);
            String[] namespaces = {"trial", "frozen", "free", "other"};
            String[] tags = {"1.0.1", "1.1.0", "2.0.0", "1.0.1-rc.1", "0.9.0", "1.0.0"};
            List<Decision> all = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                Asset a = asset(namespaces[random.nextInt(namespaces.length)]);
                Decision d = decide.decide(a.id(), new DecideRequest(tags[random.nextInt(tags.length)], null), "prop");
                all.add(d);
                if (random.nextBoolean()) {
                    all.add(decision(a, "1.0." + random.nextInt(9), Outcome.values()[random.nextInt(3)],
                            random.nextBoolean() ? "ENFORCE" : "DRY_RUN"));
                }
            }
            planner.enqueueApproved(all);
            int approvedEnforced = 0;
            for (Decision d : all) {
                boolean applicable = d.outcome() == Outcome.APPROVE && d.mode().equals("ENFORCE");
                List<RunRecord> made = runs.forAsset(d.assetId()).stream().filter(r -> r.decisionId() == d.id())
                        .toList();
                if (!applicable) {
                    assertTrue(made.isEmpty(), "a run from " + d.outcome() + "/" + d.mode() + " decision " + d.id());
                } else {
                    approvedEnforced++;
                    assertTrue(made.size() <= 1);
                }
            }
            assertTrue(approvedEnforced > 0, "the sample has approvals");
            assertTrue(all.stream().anyMatch(d -> d.mode().equals("DRY_RUN") && d.outcome() == Outcome.APPROVE),
                    "the sample has dry-run approvals");
        }

        /** Rules or policies changed while the run waited: it is decided again before anything is touched. */
        @Test
        void aRunIsDecidedAgainWhenTheRulesChangedSinceItsDecision() throws InterruptedException {
            Asset still = asset("redecide");
            Asset trial = asset("trial"); // a dry-run scope now: the new decision is not applicable
            Decision stale1 = decisions.append(new Decision(0, still.id(), "1.0.0", "1.0.1", null, null,
                    ChangeType.PATCH, Outcome.APPROVE, List.of("old"), List.of(), null, "old-rules", "old-policies",
                    "everything", "ENFORCE", Map.of(), "test", clock.instant()));
            Decision stale2 = decisions.append(new Decision(0, trial.id(), "1.0.0", "1.0.1", null, null,
                    ChangeType.PATCH, Outcome.APPROVE, List.of("old"), List.of(), null, "old-rules", "old-policies",
                    "everything", "ENFORCE", Map.of(), "test", clock.instant()));
            assertEquals(2, planner.enqueueApproved(List.of(stale1, stale2)));
            RunRecord r1 = only(still);
            RunRecord r2 = only(trial);
            try (RunExecutor ex = executor(10, 2)) {
                ex.start();
                assertEquals("SUCCEEDED", awaitFinal(r1.id()).state());
                RunRecord superseded = awaitFinal(r2.id());
                assertEquals("FAILED", superseded.state());
                assertTrue(superseded.error().contains("decided again"), superseded.error());
            }
            RunRecord after = runs.find(r1.id()).orElseThrow();
            assertTrue(after.decisionId() != stale1.id(), "the run follows the new decision");
            assertEquals(snapshot.rules().revision(), decisions.find(after.decisionId()).orElseThrow()
                    .rulesetRevision());
            assertEquals(0, applier.appliesOf(r2.id()), "nothing was changed");
            var history = new HistoryStore(db.database()).history(trial.id(), "1.0.2", null,
                    clock.instant().minusSeconds(3600), clock.instant());
            assertTrue(history.failures().isEmpty(), "a superseded run does not start the failure cooldown");
        }

        @Test
        void aFrozenScopeKeepsTheRunQueuedAndSaysWhy() throws InterruptedException {
            Asset a = asset("frozen");
            planner.enqueueApproved(List.of(decision(a, "1.0.1", Outcome.APPROVE, "ENFORCE")));
            RunRecord run = only(a);
            try (RunExecutor ex = executor(10, 2)) {
                ex.poll();
                ex.poll();
            }
            RunRecord waiting = runs.find(run.id()).orElseThrow();
            assertEquals("QUEUED", waiting.state());
            assertNotNull(waiting.waiting());
            assertTrue(waiting.waiting().contains("freeze"), waiting.waiting());
            assertEquals(List.of("QUEUED"), states(run.id()));
        }

        @Test
        void anInterruptedRunIsTakenOverAndNeverAppliedTwice() throws InterruptedException {
            // landed: the crashed owner applied it; NOT_APPLIED: it crashed before the change
            Asset landed = asset("crash");
            Asset notLanded = asset("crash");
            planner.enqueueApproved(List.of(decision(landed, "1.0.1", Outcome.APPROVE, "ENFORCE"),
                    decision(notLanded, "1.0.1", Outcome.APPROVE, "ENFORCE")));
            RunRecord r1 = only(landed);
            RunRecord r2 = only(notLanded);
            Instant past = clock.instant().minusSeconds(1);
            List<RunRecord> claimed = runs.claim("crashed-owner", clock.instant(), past.plusMillis(500), 10, 10,
                    r -> r.id() == r1.id() || r.id() == r2.id() ? null : "not part of this test").runs();
            for (RunRecord r : claimed) {
                if (r.id() == r1.id() || r.id() == r2.id()) {
                    assertTrue(runs.move(r, "crashed-owner", "CLAIMED", "APPLYING", RunStore.Move.of(Map.of()),
                            clock.instant()));
                } else {
                    fail(r); // nothing else is due in this test
                }
            }
            applier.running.put(landed.key().name(), "127.0.0.1:5000/demo/web:1.0.1#" + r1.id());
            Thread.sleep(600); // the crashed owner's lease expires
            try (RunExecutor ex = executor(10, 10)) {
                ex.start();
                assertEquals("SUCCEEDED", awaitFinal(r1.id()).state());
                assertEquals("ROLLED_BACK", awaitFinal(r2.id()).state());
            }
            assertEquals(0, applier.appliesOf(r1.id()), "a landed change is verified, not applied again");
            assertEquals(0, applier.appliesOf(r2.id()), "an interrupted change is restored, not applied again");
            assertEquals(List.of("QUEUED", "CLAIMED", "APPLYING", "APPLYING", "VERIFYING", "SUCCEEDED"), states(r1.id()));
            assertEquals(List.of("QUEUED", "CLAIMED", "APPLYING", "APPLYING", "ROLLING_BACK", "ROLLED_BACK"),
                    states(r2.id()));
            assertTrue(new PinStore(db.database()).active(notLanded.id(), clock.instant(), 10).isEmpty());
        }

        private static void fail(RunRecord r) {
            throw new AssertionError("unexpected due run " + r);
        }

        @Test
        void limitsHoldAndTwoExecutorsApplyEachRunOnce() throws InterruptedException {
            applier.verifyTakes = Duration.ofMillis(100);
            applier.maxInFlight.set(0);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Asset a = asset("limit-" + (i % 5));
                planner.enqueueApproved(List.of(decision(a, "1.0.1", Outcome.APPROVE, "ENFORCE")));
                ids.add(only(a).id());
            }
            // two executors (two lease owners) on one database, each with its own store: as two replicas
            RunStore second = new RunStore(db.database());
            try (RunExecutor one = executor(6, 2);
                 RunExecutor two = new RunExecutor(second, assets, appliers, policy, decide, new ApplyOptions(true, 6,
                         2, Duration.ofSeconds(30), Duration.ofMillis(50), Duration.ofSeconds(10)), clock)) {
                one.start();
                two.start();
                for (long id : ids) {
                    assertEquals("SUCCEEDED", awaitFinal(id).state());
                }
            } finally {
                applier.verifyTakes = Duration.ZERO;
            }
            for (long id : ids) {
                assertEquals(1, applier.appliesOf(id), "run " + id + " applied once");
            }
            assertTrue(applier.maxInFlight.get() <= 6, "at most apply.max-concurrent at once: "
                    + applier.maxInFlight.get());
            assertTrue(applier.maxInFlight.get() >= 2, "runs did overlap: " + applier.maxInFlight.get());
        }
    }
}
