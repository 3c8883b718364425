package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import dev.safeupdater.inventory.DockerEngine;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Cycle;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import dev.safeupdater.model.PlanFilter;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.registry.CycleRegistry;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.store.CycleStore;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.MutableClock;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestPaths;
import dev.safeupdater.testing.Workloads;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cycle end to end: the real registry in htpasswd mode (credentials only in a Kubernetes pull secret), assets
 * from the mock Kubernetes API, the real Docker engine and a static file, the shipped rules and policies; a registry answering 500 for one
 * repository. The tests run in order: each builds on the previous cycle.
 */
class CycleServiceTest {
    @Test
    void nothingProposedSaysWhetherAMutableTagCouldHaveMoved() {
        assertEquals("up to date: the registry has no newer compatible tag than 1.0.0",
                CycleService.nothingProposed(asset("1.0.0", null)));
        // a mutable tag without the running digest: a move of the tag cannot be seen, so it is not called up to date
        assertEquals("nothing to propose: the registry has no newer compatible tag than latest, and whether latest"
                + " now names another image cannot be seen: the digest the asset runs is not known",
                CycleService.nothingProposed(asset("latest", null)));
        assertEquals("up to date: the registry has no newer compatible tag than 1.25, and 1.25 still names the image"
                + " the asset runs", CycleService.nothingProposed(asset("1.25", "sha256:" + "a".repeat(64))));
        assertEquals("runs by digest only: there is no tag to compare",
                CycleService.nothingProposed(asset(null, "sha256:" + "a".repeat(64))));
    }

    /**
     * Scope prod (allow: patch, releases 3 days old, nightly windows), outside its windows: the patch waits for its
     * release to be old enough and for the window (it will come by itself), the minor waits for a person. The plan
     * proposes the patch, not the higher minor; without the patch, the minor.
     */
    @Test
    void theProposedHoldIsTheOneThatWillComeWithoutAPersonWhenThereIsOne() throws Exception {
        Instant now = Instant.parse("2026-12-01T03:00:00Z"); // a Tuesday, 04:00 in Berlin: outside prod's windows
        PolicyEngine engine = new PolicyEngine(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC),
                new PolicySources(TestPaths.rules(), TestPaths.policies(), null, false), new Candidates());
        engine.reload("test");
        AssetKey key = new AssetKey("static", "prod", "core", "VM", "api", "");
        List<dev.safeupdater.policy.PolicyInput> inputs = List.of(
                input(key, "3.2.2", Instant.parse("2026-11-30T12:00:00Z")),
                input(key, "3.3.0", Instant.parse("2026-11-01T00:00:00Z")));
        List<dev.safeupdater.policy.Evaluation> e = engine.evaluateAll(inputs, now);
        assertEquals(List.of(Outcome.HOLD, Outcome.HOLD), e.stream().map(x -> x.outcome()).toList());
        assertEquals(List.of("release-age", "window"), PlanWaits.of(e.get(0)).stream().map(PlanEntry.WaitsFor::kind)
                .toList());
        // old enough on Thursday 12:00 UTC: the window that counts is Thursday's (22:00 Berlin), not tonight's
        PlanEntry.WaitsFor window = PlanWaits.of(e.get(0)).get(1);
        assertEquals(Instant.parse("2026-12-03T21:00:00Z"), window.until(), window.toString());
        assertEquals("the first maintenance window after 2026-12-03T12:00:00Z, opening at"
                + " 2026-12-03T22:00+01:00[Europe/Berlin]", window.text());
        // nothing else to wait for: tonight's window
        assertEquals(Instant.parse("2026-12-01T21:00:00Z"), PlanWaits.of(e.get(1)).stream()
                .filter(w -> w.kind().equals("window")).findFirst().orElseThrow().until());
        assertTrue(PlanWaits.of(e.get(1)).stream().anyMatch(w -> w.kind().equals("beyond-allow")));

        assertEquals("PATCH", CycleService.choose(Map.of("PATCH", e.get(0), "MINOR", e.get(1))));
        assertEquals("MINOR", CycleService.choose(Map.of("MINOR", e.get(1))));

        // a patch that is old enough only once the year-end freeze (Dec 18 to Jan 6, Berlin) has begun waits for the
        // freeze to end; it ends at midnight inside Wednesday night's window (22:00-02:00), so no window is waited for
        Instant mid = Instant.parse("2026-12-16T03:00:00Z");
        PolicyEngine later = new PolicyEngine(java.time.Clock.fixed(mid, java.time.ZoneOffset.UTC),
                new PolicySources(TestPaths.rules(), TestPaths.policies(), null, false), new Candidates());
        later.reload("test");
        List<PlanEntry.WaitsFor> waits = PlanWaits.of(later.evaluateAll(List.of(
                input(key, "3.2.2", Instant.parse("2026-12-15T12:00:00Z"))), mid).getFirst());
        assertEquals(List.of("release-age", "freeze"), waits.stream().map(PlanEntry.WaitsFor::kind).toList(),
                waits.toString());
        assertEquals(Instant.parse("2027-01-06T23:00:00Z"), waits.get(1).until());
        assertEquals("the freeze from 2026-12-17T23:00:00Z to 2027-01-06T23:00:00Z (year-end freeze), which will be"
                + " in force by then", waits.get(1).text());
    }

    /**
     * Scope prod-critical (two votes, each counting for 48 h; Saturday nights only): two votes cast on Tuesday are
     * enough now but lapse before Saturday's window, so the plan says the update still waits for votes, and that
     * nobody's absence lets it go ahead by itself. Votes cast on Friday still count in the window: only the window.
     */
    @Test
    void votesThatLapseBeforeTheWindowAreNotEnough() throws Exception {
        AssetKey key = new AssetKey("static", "prod", "pay", "VM", "checkout", "");
        Instant tuesday = Instant.parse("2026-12-01T03:00:00Z");
        List<PlanEntry.WaitsFor> early = waits(key, tuesday, Instant.parse("2026-12-01T02:00:00Z"));
        assertEquals(List.of("window", "approvals"), early.stream().map(PlanEntry.WaitsFor::kind).toList(),
                early.toString());
        PlanEntry.WaitsFor votes = early.get(1);
        assertEquals("approvals: 2 of 2 now, but only 0 will still count at 2026-12-05T01:00:00Z, when it can go ahead"
                + " (a vote counts for 2d)", votes.text());
        assertNull(votes.until(), "it needs people again");
        assertEquals(0, votes.have());

        Instant friday = Instant.parse("2026-12-04T13:00:00Z");
        List<PlanEntry.WaitsFor> late = waits(key, friday, Instant.parse("2026-12-04T12:00:00Z"));
        assertEquals(List.of("window"), late.stream().map(PlanEntry.WaitsFor::kind).toList(), late.toString());
    }

    private static List<PlanEntry.WaitsFor> waits(AssetKey key, Instant now, Instant voted) throws Exception {
        PolicyEngine engine = new PolicyEngine(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC),
                new PolicySources(TestPaths.rules(), TestPaths.policies(), null, false), new Candidates());
        engine.reload("test");
        dev.safeupdater.model.History votes = new dev.safeupdater.model.History(List.of(), List.of(), List.of(
                new dev.safeupdater.model.History.Approval("api:alice", voted),
                new dev.safeupdater.model.History.Approval("api:bob", voted)), null);
        var candidate = Candidates.of(key, Map.of("tier", "critical"), Map.of(), "127.0.0.1:5000/pay/checkout",
                "3.2.1", null, "3.2.2", "sha256:" + "c".repeat(64), Instant.parse("2026-11-01T00:00:00Z"),
                dev.safeupdater.model.ReleaseTimeSource.REGISTRY);
        dev.safeupdater.policy.Evaluation e = engine.evaluateAll(List.of(
                new dev.safeupdater.policy.PolicyInput(candidate, votes)), now).getFirst();
        assertEquals("prod-critical", e.scopeName());
        assertEquals(Outcome.HOLD, e.outcome(), e.reasons().toString());
        return PlanWaits.of(e);
    }

    private static dev.safeupdater.policy.PolicyInput input(AssetKey key, String tag, Instant released) {
        return new dev.safeupdater.policy.PolicyInput(Candidates.of(key, Map.of(), Map.of(), "127.0.0.1:5000/demo/api",
                "3.2.1", null, tag, "sha256:" + "b".repeat(64), released,
                dev.safeupdater.model.ReleaseTimeSource.REGISTRY), null);
    }

    private static Asset asset(String tag, String digest) {
        return new Asset(1, new AssetKey("static", "", "shop", "VM", "web", ""), "127.0.0.1:5000/demo/web", tag, digest,
                Map.of(), Map.of(), Instant.EPOCH, Instant.EPOCH, null);
    }

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

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    abstract static class Contract extends DatabaseContract {
        Path tmp;
        CycleRegistry registry;
        MockCluster cluster;
        DockerEngine docker;
        String dockerName;
        final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T08:00:00Z"));
        PolicyService policyAdmin;
        CycleService cycles;
        CycleRig rig;
        String latestDigest;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void setUp() throws Exception {
            tmp = Files.createTempDirectory("su-cycle-");
            registry = CycleRegistry.start();
            latestDigest = registry.push("latest", CycleRegistry.T0.plusSeconds(86400L * 5)); // same content
            cluster = MockCluster.start();
            cluster.put(Workloads.namespace("preview-1"));
            String auth = Base64.getEncoder().encodeToString((registry.user() + ":" + registry.password())
                    .getBytes(StandardCharsets.UTF_8));
            String config = "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}";
            cluster.put(new SecretBuilder().withNewMetadata().withNamespace("preview-1").withName("regcred")
                    .endMetadata().withType("kubernetes.io/dockerconfigjson")
                    .addToData(".dockerconfigjson", Base64.getEncoder().encodeToString(config.getBytes(
                            StandardCharsets.UTF_8)))
                    .build());
            cluster.put(Workloads.of("Deployment", "preview-1", "web")
                    .container("app", registry.host() + "/demo/web:1.0.0").pullSecret("regcred").build());
            cluster.kubeconfig(tmp, "mock");
            docker = new DockerEngine();
            docker.image(registry.host() + "/demo/web", "1.0.0");
            dockerName = docker.run("web-d", registry.host() + "/demo/web:1.0.0");
            var label = docker.runLabel().entrySet().iterator().next();
            Files.writeString(tmp.resolve("assets.yaml"), "assets:\n"
                    + "  - {kind: VM, name: web-a, image: " + registry.host() + "/demo/web:1.0.0}\n"
                    + "  - {kind: VM, name: web-latest, image: " + registry.host() + "/demo/web, tag: latest,"
                    + " digest: \"sha256:" + "0".repeat(64) + "\"}\n"
                    + "  - {kind: VM, name: broken, image: " + registry.failingHost() + "/other/app:1.0.0}\n");
            Files.writeString(tmp.resolve("inventory.yaml"), "sources:\n"
                    + "  - {name: stage, type: kubernetes, kubeconfig: kubeconfig-mock, context: mock,"
                    + " kinds: [Deployment], pullSecrets: true, retries: 0}\n"
                    + "  - {name: hosts, type: static, file: assets.yaml}\n"
                    + "  - {name: engine, type: docker, host: \"" + docker.host() + "\", labels: {\"" + label.getKey()
                    + "\": \"" + label.getValue() + "\"}}\n");
            Path rules = Files.createDirectories(tmp.resolve("rules"));
            Files.copy(TestPaths.rules().resolve("default.drl"), rules.resolve("default.drl"));
            Path policies = Files.createDirectories(tmp.resolve("policies"));
            try (var files = Files.list(TestPaths.policies())) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    Files.copy(f, policies.resolve(f.getFileName()));
                }
            }
            PolicyEngine engine = new PolicyEngine(clock, new PolicySources(rules, policies, null, false),
                    new Candidates());
            policyAdmin = new PolicyService(engine);
            policyAdmin.reload("test");
            // the Docker config has no credentials: only the pull secret can open demo/web
            Registry r = new Registry(RegistryOptions.builder()
                    .defaults(new HostOptions(false, null, 1000, 1000, 8))
                    .insecure(Set.of(registry.host(), registry.failingHost()))
                    .retries(0)
                    .cache(Duration.ZERO, 100)
                    .build());
            rig = CycleRig.of(db.database(), clock, tmp.resolve("inventory.yaml"), r, engine,
                    new CycleStore(db.database()));
            cycles = rig.cycles();
        }

        @AfterAll
        void tearDown() {
            rig.close();
            cluster.close();
            docker.close();
            registry.close();
        }

        Map<String, PlanEntry> plan() {
            Plan p = cycles.plan(PlanFilter.ALL, null, 500);
            return p.items().stream().collect(Collectors.toMap(e -> e.asset().name(), e -> e));
        }

        Set<String> decisionsAfter(long id) {
            return new HashSet<>(db.database().jdbi().withHandle(h -> h.createQuery("SELECT a.name || ' ' ||"
                            + " d.change_type || ' ' || d.to_tag FROM decision d JOIN asset a ON a.id = d.asset_id"
                            + " WHERE d.id > :id").bind("id", id).mapTo(String.class).list()));
        }

        long maxDecisionId() {
            return db.database().jdbi().withHandle(h -> h.createQuery("SELECT COALESCE(MAX(id), 0) FROM decision")
                    .mapTo(Long.class).one());
        }

        @Test
        @Order(1)
        void theFirstCycleProposesAndDecidesEveryAssetItCanRead() {
            // a cycle that died with its process (a process id that does not exist on this host)
            String host = cycles.toString().isEmpty() ? "" : hostName();
            long dead = new CycleStore(db.database()).start("test", "schedule", host + ":" + Long.MAX_VALUE,
                    clock.instant());

            Cycle c = cycles.runOnce("tester", "cli");

            assertEquals(Cycle.INTERRUPTED, cycles.find(dead).state(), "the dead process's cycle is marked");
            assertEquals(Cycle.PARTIAL, c.state(), c.toString());
            assertEquals(List.of("scan", "discover", "propose", "decide", "plan"),
                    c.stages().stream().map(Cycle.Stage::name).toList());
            assertEquals(5, c.count("assetsScanned"));
            assertEquals(2, c.count("imagesLookedUp"));
            assertEquals(1, c.count("stale"));
            // k8s: patch, minor, major; web-a and the Docker container: the same; web-latest: digest
            assertEquals(10, c.count("candidates"));
            assertEquals(10, c.count("decisionsWritten"));
            assertTrue(c.count("registryRequests") > 0);
            assertTrue(c.errors().stream().anyMatch(e -> e.startsWith(registry.failingHost() + "/other/app")),
                    c.errors().toString());

            Map<String, PlanEntry> plan = plan();
            PlanEntry preview = plan.get("web");
            // scope preview (allow: major, prerelease: true): the highest approved class, 2.0.0 (not 2.0.0-rc.1)
            assertEquals("2.0.0", preview.proposedTag());
            assertEquals(ChangeType.MAJOR, preview.changeType());
            assertEquals(Outcome.APPROVE, preview.outcome());
            assertEquals("preview", preview.scope());
            assertEquals(List.of("PATCH", "MINOR", "MAJOR"), preview.candidates().stream()
                    .map(PlanEntry.PlanCandidate::changeClass).toList());
            // scope single-hosts (allow: patch): patch approved, minor and major held, the prerelease ignored
            PlanEntry single = plan.get("web-a");
            assertEquals("1.0.1", single.proposedTag());
            assertEquals(Outcome.APPROVE, single.outcome());
            assertEquals("change-within-allow", single.decidedBy());
            Map<String, Outcome> classes = single.candidates().stream().collect(Collectors.toMap(
                    PlanEntry.PlanCandidate::changeClass, PlanEntry.PlanCandidate::outcome));
            assertEquals(Map.of("PATCH", Outcome.APPROVE, "MINOR", Outcome.HOLD, "MAJOR", Outcome.HOLD), classes);
            assertTrue(single.candidates().stream().noneMatch(x -> x.tag().contains("rc")));
            // the container on the Docker engine: scope single-hosts too
            PlanEntry container = plan.get(dockerName);
            assertEquals("docker", container.asset().source());
            assertEquals("1.0.1", container.proposedTag());
            assertEquals(Outcome.APPROVE, container.outcome());
            // latest moved away from the running digest: a DIGEST candidate
            PlanEntry latest = plan.get("web-latest");
            assertEquals(ChangeType.DIGEST, latest.changeType());
            assertEquals("latest", latest.proposedTag());
            assertEquals(latestDigest, latest.proposedDigest());
            assertEquals(Outcome.APPROVE, latest.outcome());
            // the 500 marks only its own image stale
            PlanEntry broken = plan.get("broken");
            assertTrue(broken.stale());
            assertNull(broken.evaluatedAt());
            assertTrue(broken.error().contains("500") || broken.error().contains("storage backend down"),
                    broken.error());
            for (PlanEntry e : List.of(preview, single, latest)) {
                assertNotNull(e.decisionId());
                assertEquals(c.id(), e.cycleId());
                assertFalse(e.stale());
            }
            Plan totals = cycles.plan(PlanFilter.ALL, null, 1);
            assertEquals(5, totals.total());
            assertEquals(4L, totals.byOutcome().get("APPROVE"));
            assertEquals(1, totals.stale());
            assertNotNull(totals.nextCursor());
            assertEquals(1, cycles.plan(new PlanFilter(null, "kubernetes", null, null, null), null, 10).total());
            assertEquals(List.of("web-a", dockerName), cycles.plan(new PlanFilter(null, null, "APPROVE",
                    "single-hosts", null), null, 10).items().stream().filter(e -> e.changeType() != ChangeType.DIGEST)
                    .map(e -> e.asset().name()).toList());
            assertEquals(1, cycles.plan(new PlanFilter(null, "docker", null, null, null), null, 10).total());
            // or by the inventory source's name, as run --once lists them: "hosts" reported the three static VMs
            assertEquals(List.of("web-a", "web-latest", "broken"), cycles.plan(new PlanFilter(null, "hosts", null,
                    null, null), null, 10).items().stream().map(e -> e.asset().name()).toList());
            assertEquals(1, cycles.plan(new PlanFilter(null, "engine", null, null, null), null, 10).total());
            assertEquals(0, cycles.plan(new PlanFilter(null, "nope", null, null, null), null, 10).total());
        }

        @Test
        @Order(2)
        void anUnchangedCycleWritesNoDecisionRowButRenewsTheEvaluationTime() {
            long rows = db.count("decision");
            Map<String, PlanEntry> before = plan();
            clock.advance(Duration.ofMinutes(15));

            Cycle c = cycles.runOnce("tester", "cli");

            assertEquals(0, c.count("decisionsWritten"));
            assertEquals(10, c.count("decisionsUnchanged"));
            assertEquals(rows, db.count("decision"));
            Map<String, PlanEntry> after = plan();
            assertEquals(before.get("web-a").decisionId(), after.get("web-a").decisionId());
            assertEquals(clock.instant(), after.get("web-a").evaluatedAt());
            assertEquals(c.id(), after.get("web-a").cycleId());
        }

        @Test
        @Order(3)
        void aNewPatchReleaseYieldsExactlyTheNewDecisions() {
            long last = maxDecisionId();
            registry.push("1.0.2", CycleRegistry.T0.plusSeconds(86400L * 10));
            clock.advance(Duration.ofMinutes(15));

            Cycle c = cycles.runOnce("tester", "cli");

            assertEquals(Set.of("web PATCH 1.0.2", "web-a PATCH 1.0.2", dockerName + " PATCH 1.0.2"),
                    decisionsAfter(last));
            assertEquals(3, c.count("decisionsWritten"));
            assertEquals("1.0.2", plan().get("web-a").proposedTag());
        }

        @Test
        @Order(4)
        void aChangedRuleFileReDecidesEverythingUnderTheNewRevision() throws Exception {
            long last = maxDecisionId();
            String before = policyAdmin.status().active().rulesetRevision();
            Files.writeString(tmp.resolve("rules/default.drl"), "\n// edited by the cycle test\n",
                    java.nio.file.StandardOpenOption.APPEND);
            policyAdmin.reload("test");
            String now = policyAdmin.status().active().rulesetRevision();
            assertNotEquals(before, now);
            clock.advance(Duration.ofMinutes(15));

            Cycle c = cycles.runOnce("tester", "cli");

            assertEquals(10, c.count("decisionsWritten"));
            assertEquals(now, c.rulesetRevision());
            assertEquals(List.of(now), db.database().jdbi().withHandle(h -> h.createQuery("SELECT DISTINCT"
                    + " ruleset_revision FROM decision WHERE id > :id").bind("id", last).mapTo(String.class).list()));
        }

        @Test
        @Order(5)
        void cyclesNeverOverlap() throws Exception {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<Decision> handed = new java.util.concurrent.CopyOnWriteArrayList<>();
            cycles.applyTo(current -> {
                handed.addAll(current);
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return current.size();
            });
            try {
                Cycle running = cycles.start("tester", "request");
                assertEquals(Cycle.RUNNING, running.state());
                assertTrue(inside.await(120, java.util.concurrent.TimeUnit.SECONDS));
                CycleInProgressException e = assertThrows(CycleInProgressException.class,
                        () -> cycles.runOnce("tester", "cli"));
                assertEquals(running.id(), e.runningId());
                release.countDown();
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (cycles.find(running.id()).state().equals(Cycle.RUNNING) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Cycle done = cycles.find(running.id());
                assertEquals(Cycle.PARTIAL, done.state());
                // each tracked asset's chosen decision that is APPROVE in an enforcing scope was handed on (the
                // stale one has none)
                long applicable = cycles.plan(PlanFilter.ALL, null, 100).items().stream()
                        .filter(p -> p.outcome() == Outcome.APPROVE && "ENFORCE".equals(p.mode())).count();
                assertTrue(applicable > 0, "the fixture has approved updates");
                assertEquals(applicable, done.count("enqueued"));
                assertTrue(handed.stream().allMatch(d -> d.outcome() == Outcome.APPROVE
                        && "ENFORCE".equals(d.mode())), handed.toString());
            } finally {
                release.countDown();
                cycles.applyTo(ApplyStage.NONE);
            }
        }

        @Test
        @Order(6)
        void aVoteCountsInTheNextCycle() throws Exception {
            // a payment host in scope prod-critical (two approvals, Saturday nights only)
            Files.writeString(tmp.resolve("assets.yaml"), "  - {kind: VM, name: pay, cluster: prod, labels: {tier:"
                    + " critical}, image: " + registry.host() + "/demo/web:1.0.0}\n",
                    java.nio.file.StandardOpenOption.APPEND);
            clock.advance(Duration.ofMinutes(15));
            cycles.runOnce("tester", "cli");
            PlanEntry.PlanCandidate patch = plan().get("pay").candidates().stream()
                    .filter(c -> c.changeClass().equals("PATCH")).findFirst().orElseThrow();
            assertTrue(patch.reason().contains("approvals: 0 of 2"), patch.reason());

            long last = maxDecisionId();
            long pay = plan().get("pay").assetId();
            new dev.safeupdater.store.ApprovalStore(db.database(), clock).vote(pay, patch.tag(), patch.digest(),
                    "api:alice", null, null);
            clock.advance(Duration.ofMinutes(15));
            Cycle c = cycles.runOnce("tester", "cli");

            // the vote changed what the policy says of that candidate, and of nothing else
            assertEquals(Set.of("pay PATCH " + patch.tag()), decisionsAfter(last));
            assertEquals(1, c.count("decisionsWritten"));
            PlanEntry.PlanCandidate voted = plan().get("pay").candidates().stream()
                    .filter(x -> x.changeClass().equals("PATCH")).findFirst().orElseThrow();
            assertTrue(voted.reason().contains("approvals: 1 of 2"), voted.reason());

            // Friday night: alice renews her vote and bob votes (a vote counts for 48 h); in Saturday's window
            // (02:00-06:00 Berlin) the next cycle approves the patch: the hold is released
            clock.advance(Duration.between(clock.instant(), Instant.parse("2026-04-03T23:00:00Z")));
            var votes = new dev.safeupdater.store.ApprovalStore(db.database(), clock);
            votes.vote(pay, patch.tag(), patch.digest(), "api:alice", null, null);
            votes.vote(pay, patch.tag(), patch.digest(), "api:bob", null, null);
            clock.advance(Duration.ofMinutes(90)); // 02:30 in Berlin (summer time)
            cycles.runOnce("tester", "cli");
            PlanEntry released = plan().get("pay");
            assertEquals(Outcome.APPROVE, released.outcome(), released.toString());
            assertEquals(patch.tag(), released.proposedTag());
            assertTrue(released.waitsFor().isEmpty(), released.waitsFor().toString());
        }

        @Test
        @Order(7)
        void scheduledCyclesThatKeepFailingAreAnnounced() throws Exception {
            List<dev.safeupdater.model.NotificationEvent> published =
                    new java.util.concurrent.CopyOnWriteArrayList<>();
            cycles.notifyTo(published::add);
            Path assets = tmp.resolve("assets.yaml");
            String withBroken = Files.readString(assets);
            try {
                // the asset on the registry that answers 500 makes every cycle PARTIAL with a stale image
                cycles.runOnce("scheduler", "schedule");
                cycles.runOnce("scheduler", "schedule");
                cycles.runOnce("tester", "cli"); // not a scheduled cycle: not counted, not announced
                assertEquals(List.of(1, 2), failing(published));
                assertTrue(published.getLast().reasons().getFirst().contains(registry.failingHost()),
                        published.getLast().reasons().toString());
                assertEquals("cycle-failing", published.getLast().dedupeKey(), "repeats dropped within the hour");

                // the broken asset gone: the next scheduled cycle works, and the count starts again
                Files.writeString(assets, withBroken.lines().filter(l -> !l.contains(registry.failingHost()))
                        .map(l -> l + "\n").collect(Collectors.joining()));
                assertEquals(Cycle.SUCCEEDED, cycles.runOnce("scheduler", "schedule").state());
                Files.writeString(assets, withBroken);
                cycles.runOnce("scheduler", "schedule");
                assertEquals(List.of(1, 2, 1), failing(published));
            } finally {
                cycles.notifyTo(Notifier.NONE);
                Files.writeString(assets, withBroken);
            }
        }

        private static List<Object> failing(List<dev.safeupdater.model.NotificationEvent> published) {
            return published.stream()
                    .filter(e -> e.type() == dev.safeupdater.model.NotificationEventType.CYCLE_FAILING)
                    .map(e -> e.details().get("consecutiveFailures")).toList();
        }

        private static String hostName() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "unknown-host";
            }
        }
    }
}
