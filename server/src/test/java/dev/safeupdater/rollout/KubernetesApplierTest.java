package dev.safeupdater.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.inventory.KubernetesSource;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.platform.KubernetesConnection;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.Workloads;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes applier against fabric8's mock API server in CRUD mode. The mock runs no controller: after a patch
 * the tests write the status a real controller would (observed generation, replica counts, revisions, conditions,
 * pods, Jobs) and check what the applier makes of it. The mock's CRUD store applies JSON patches with their
 * {@code test} operations, so a concurrent change is refused by the store itself; expectations are used only to
 * hand the applier a stale read and to answer 403.
 */
class KubernetesApplierTest {
    private static final String OLD = "registry.example.com/shop/web:1.4.0";
    private static final String NEW = "registry.example.com/shop/web:1.5.0";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Generous: the machine is shared and slow; healthy and failed rollouts end long before it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private MockCluster cluster;
    private NamespacedKubernetesClient kube;
    private KubernetesApplier applier;

    @BeforeEach
    void start() {
        cluster = MockCluster.start();
        kube = cluster.client();
        applier = new KubernetesApplier("prod", new KubernetesConnection(cluster.kubeconfig(tmp, "mock"), "mock",
                false, Duration.ofSeconds(10), 0), Duration.ofMillis(50));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static Change change(long run, String kind, String name) {
        return new Change(run, 7, new AssetKey("kubernetes", "prod", "shop", kind, name, "app"), OLD, NEW);
    }

    /** A workload of {@code kind} whose container {@code app} runs OLD next to a sidecar, with a selector. */
    private HasMetadata workload(String kind, String name, int replicas) {
        HasMetadata w = Workloads.of(kind, "shop", name).container("app", OLD).container("proxy", "envoy:1.30")
                .annotation("team", "shop").build();
        LabelSelector selector = new LabelSelector(null, Map.of("app", name));
        switch (w) {
            case Deployment d -> {
                d.getSpec().setSelector(selector);
                d.getSpec().setReplicas(replicas);
            }
            case StatefulSet s -> {
                s.getSpec().setSelector(selector);
                s.getSpec().setReplicas(replicas);
            }
            case DaemonSet d -> d.getSpec().setSelector(selector);
            default -> {
            }
        }
        cluster.put(w);
        return w;
    }

    private <T extends HasMetadata> T live(Class<T> type, String name) {
        return kube.resources(type).inNamespace("shop").withName(name).get();
    }

    private static PodTemplateSpec template(HasMetadata w) {
        return KubernetesApplier.Kind.valueOf(w.getKind().toUpperCase(Locale.ROOT)).template(w);
    }

    private static String image(HasMetadata w, String container) {
        return template(w).getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(container)).findFirst().orElseThrow().getImage();
    }

    private static Map<String, String> templateAnnotations(HasMetadata w) {
        var meta = template(w).getMetadata();
        return meta == null || meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    }

    /** Writes the Deployment's status the way its controller would. */
    private void deploymentStatus(String name, Consumer<DeploymentStatusBuilder> status) {
        kube.apps().deployments().inNamespace("shop").withName(name).editStatus(d -> {
            DeploymentStatusBuilder b = new DeploymentStatusBuilder();
            status.accept(b);
            d.setStatus(b.build());
            return d;
        });
    }

    private void rolledOut(String name, int replicas) {
        long generation = live(Deployment.class, name).getMetadata().getGeneration();
        deploymentStatus(name, s -> s.withObservedGeneration(generation).withReplicas(replicas)
                .withUpdatedReplicas(replicas).withAvailableReplicas(replicas).withReadyReplicas(replicas));
    }

    /** A pod labelled {@code label} (app=workload, job-name=job) running {@code image} in container app. */
    private Pod pod(String name, String label, String image, String phase, String waitingReason) {
        String[] kv = label.split("=");
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("shop").withName(name)
                .addToLabels(kv[0], kv[1]).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer()
                .addNewContainer().withName("proxy").withImage("envoy:1.30").endContainer().endSpec()
                .withNewStatus().withPhase(phase).endStatus();
        if (waitingReason != null) {
            b.editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName("app").withImage(image)
                    .withRestartCount(4).withReady(false).withNewState().withNewWaiting().withReason(waitingReason)
                    .withMessage("back-off 1m20s restarting failed container").endWaiting().endState().build())
                    .endStatus();
        }
        return kube.pods().inNamespace("shop").resource(b.build()).create();
    }

    private static Health.Check check(Health health, String name) {
        return health.checks().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + health.checks()));
    }

    /**
     * The mock creates missing parents of a JSON patch path; a real API server refuses an {@code add} whose parent
     * does not exist. Checks every operation of {@code patch} against the object as it was before.
     */
    private static void strictlyApplicable(JsonNode patch, HasMetadata before) throws Exception {
        JsonNode doc = JSON.readTree(Serialization.asJson(before));
        for (JsonNode op : patch) {
            String path = op.path("path").asText();
            String parent = path.substring(0, path.lastIndexOf('/'));
            String what = op.path("op").asText();
            JsonNode target = doc.at(what.equals("add") ? parent : path);
            assertFalse(target.isMissingNode(), what + " " + path + ": no such place in " + doc);
        }
    }

    @Test
    void aGoodDeploymentRolloutIsAppliedOnceMarkedAndVerifiedByItsOwnStatus() throws Exception {
        HasMetadata created = workload("Deployment", "web", 3);
        Change change = change(41, "Deployment", "web");
        applier.preflight(change);
        assertEquals(Applier.Landing.NOT_APPLIED, applier.landed(change));
        long before = live(Deployment.class, "web").getMetadata().getGeneration();

        int patchesBefore = cluster.patches().size();
        applier.apply(change);

        Deployment d = live(Deployment.class, "web");
        assertEquals(NEW, image(d, "app"));
        assertEquals(1, cluster.patches().size() - patchesBefore);
        strictlyApplicable(JSON.readTree(cluster.patches().get(patchesBefore).body()), created);
        assertEquals("envoy:1.30", image(d, "proxy"), "only the change's container is touched");
        assertEquals("41", d.getMetadata().getAnnotations().get(KubernetesApplier.RUN_ANNOTATION));
        assertEquals("shop", d.getMetadata().getAnnotations().get("team"), "other annotations are kept");
        assertEquals("41", templateAnnotations(d).get(KubernetesApplier.RUN_ANNOTATION));
        assertEquals(before + 1, d.getMetadata().getGeneration(), "one write of the spec");
        assertEquals(Applier.Landing.APPLIED, applier.landed(change));

        // the controller has not seen the new spec yet; then it rolls out pod by pod
        CompletableFuture<Health> verdict = CompletableFuture.supplyAsync(() -> verify(change, TIMEOUT));
        deploymentStatus("web", s -> s.withObservedGeneration(before).withReplicas(3).withUpdatedReplicas(3)
                .withAvailableReplicas(3));
        Thread.sleep(300);
        assertFalse(verdict.isDone(), "an old generation's status says nothing about the new one");
        long generation = d.getMetadata().getGeneration();
        deploymentStatus("web", s -> s.withObservedGeneration(generation).withReplicas(4).withUpdatedReplicas(1)
                .withAvailableReplicas(3));
        pod("web-new-1", "app=web", NEW, "Running", null);
        Thread.sleep(300);
        assertFalse(verdict.isDone(), "1 of 3 updated is not done");
        rolledOut("web", 3);

        Health health = verdict.get(60, TimeUnit.SECONDS);
        assertTrue(health.healthy(), health.checks().toString());
        assertEquals("3 of 3 replicas updated", check(health, "updated").detail());
        assertEquals("3 of 3 replicas available", check(health, "available").detail());
        assertTrue(check(health, "observed-generation").passed());
        assertTrue(check(health, "pods").detail().startsWith("1 pod(s) of the new template"), health.toString());

        // applying again (a confused caller) writes nothing
        applier.apply(change);
        assertEquals(generation, live(Deployment.class, "web").getMetadata().getGeneration());
    }

    private Health verify(Change change, Duration timeout) {
        try {
            return applier.verify(change, timeout);
        } catch (RolloutException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aDeploymentPastItsProgressDeadlineIsUnhealthyAtOnce() throws Exception {
        workload("Deployment", "web", 2);
        Change change = change(42, "Deployment", "web");
        applier.apply(change);
        long generation = live(Deployment.class, "web").getMetadata().getGeneration();
        // an earlier rollout's condition, before the controller saw the new template: not this rollout's verdict
        deploymentStatus("web", s -> s.withObservedGeneration(generation - 1).withReplicas(2).withUpdatedReplicas(1)
                .withAvailableReplicas(2).withConditions(new DeploymentConditionBuilder().withType("Progressing")
                        .withStatus("False").withReason("ProgressDeadlineExceeded").build()));
        Health earlier = applier.verify(change, Duration.ofMillis(400));
        assertFalse(earlier.healthy());
        assertTrue(earlier.checks().stream().noneMatch(c -> c.name().equals("progress-deadline")), earlier.toString());
        assertFalse(check(earlier, "timeout").passed());

        deploymentStatus("web", s -> s.withObservedGeneration(generation).withReplicas(3).withUpdatedReplicas(1)
                .withAvailableReplicas(2).withConditions(new DeploymentConditionBuilder().withType("Progressing")
                        .withStatus("False").withReason("ProgressDeadlineExceeded")
                        .withMessage("ReplicaSet \"web-7d4\" has timed out progressing.").build()));

        Health health = applier.verify(change, TIMEOUT);
        assertFalse(health.healthy());
        assertTrue(health.took().compareTo(Duration.ofSeconds(20)) < 0, "no waiting for the timeout");
        Health.Check deadline = check(health, "progress-deadline");
        assertFalse(deadline.passed());
        assertTrue(deadline.detail().contains("timed out progressing"), deadline.detail());
    }

    @Test
    void crashLoopingPodsOfTheNewTemplateAreUnhealthyWhileOldOnesDoNotCount() throws Exception {
        workload("Deployment", "web", 2);
        Change change = change(43, "Deployment", "web");
        // an old pod's trouble is not the new version's, nor is another workload's
        pod("web-old-1", "app=web", OLD, "Running", "CrashLoopBackOff");
        pod("other-1", "app=other", NEW, "Running", "CrashLoopBackOff");
        applier.apply(change);
        long generation = live(Deployment.class, "web").getMetadata().getGeneration();
        deploymentStatus("web", s -> s.withObservedGeneration(generation).withReplicas(3).withUpdatedReplicas(1)
                .withAvailableReplicas(2));
        assertFalse(applier.verify(change, Duration.ofMillis(400)).healthy()); // still rolling: times out

        pod("web-new-1", "app=web", NEW, "Running", "CrashLoopBackOff");
        Health health = applier.verify(change, TIMEOUT);
        assertFalse(health.healthy());
        assertTrue(health.took().compareTo(Duration.ofSeconds(20)) < 0, "no waiting for the timeout");
        Health.Check pods = check(health, "pods");
        assertFalse(pods.passed());
        assertTrue(pods.detail().startsWith("pod web-new-1 container app: CrashLoopBackOff after 4 restart(s)"),
                pods.detail());
    }

    @Test
    void aRolloutThatNeverFinishesIsUnhealthyAtTheTimeoutWithWhatWasMissing() throws Exception {
        workload("Deployment", "web", 2);
        Change change = change(44, "Deployment", "web");
        applier.apply(change);
        Health health = applier.verify(change, Duration.ofMillis(500));
        assertFalse(health.healthy());
        assertFalse(check(health, "observed-generation").passed());
        assertEquals("the rollout did not finish within PT0.5S", check(health, "timeout").detail());
        assertTrue(health.took().compareTo(Duration.ofMillis(500)) >= 0);
    }

    @Test
    void rollbackRestoresThePreviousImageAndRecordsTheRunOnce() throws Exception {
        workload("Deployment", "web", 2);
        Change change = change(45, "Deployment", "web");
        applier.apply(change);
        Deployment applied = live(Deployment.class, "web");
        int patchesBefore = cluster.patches().size();
        applier.rollback(change);
        strictlyApplicable(JSON.readTree(cluster.patches().get(patchesBefore).body()), applied);

        Deployment d = live(Deployment.class, "web");
        assertEquals(OLD, image(d, "app"));
        assertNull(templateAnnotations(d).get(KubernetesApplier.RUN_ANNOTATION), "the template is as before");
        assertEquals("45", d.getMetadata().getAnnotations().get(KubernetesApplier.ROLLED_BACK_ANNOTATION));
        assertEquals(Applier.Landing.NOT_APPLIED, applier.landed(change));
        long generation = d.getMetadata().getGeneration();
        assertEquals(3, generation, "created, applied, rolled back");

        applier.rollback(change); // after a crash mid-rollback: nothing left to do, nothing written
        assertEquals(generation, live(Deployment.class, "web").getMetadata().getGeneration());
    }

    @Test
    void aConcurrentImageChangeMakesThePatchFailAndLeavesTheWorkloadAlone() throws Exception {
        workload("Deployment", "web", 2);
        Change change = change(46, "Deployment", "web");
        applier.preflight(change);
        // someone else changes the image after the applier read the workload: the first read is the stale one
        Deployment stale = live(Deployment.class, "web");
        kube.apps().deployments().inNamespace("shop").withName("web").edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/shop/web:9.9");
            return d;
        });
        Deployment current = live(Deployment.class, "web");
        stale.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion()); // only the image differs
        stale.getMetadata().setGeneration(current.getMetadata().getGeneration());
        String path = "/apis/apps/v1/namespaces/shop/deployments/web";
        cluster.server().expect().get().withPath(path).andReturn(200, stale).once();
        int patchesBefore = cluster.patches().size();

        RolloutException e = assertThrows(RolloutException.class, () -> applier.apply(change));
        assertTrue(e.getMessage().contains("runs registry.example.com/shop/web:9.9, not " + OLD), e.getMessage());
        assertTrue(e.getMessage().endsWith("the workload was left as it is"), e.getMessage());

        // the store refused the patch on its test of the previous image
        List<MockCluster.Patch> patches = cluster.patches().subList(patchesBefore, cluster.patches().size());
        assertEquals(1, patches.size(), "one patch sent, none after the refusal");
        assertEquals("application/json-patch+json", patches.get(0).contentType().split(";")[0]);
        JsonNode patch = JSON.readTree(patches.get(0).body());
        assertTrue(patch != null, "the applier sent its patch");
        assertTrue(patch.toString().contains("{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/image\","
                + "\"value\":\"" + OLD + "\"}"), patch.toString());
        Deployment after = live(Deployment.class, "web");
        assertEquals("registry.example.com/shop/web:9.9", image(after, "app"));
        assertEquals(current.getMetadata().getGeneration(), after.getMetadata().getGeneration());
        assertEquals(current.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion());
        assertFalse(after.getMetadata().getAnnotations().containsKey(KubernetesApplier.RUN_ANNOTATION));
        assertEquals(Applier.Landing.CHANGED_ELSEWHERE, applier.landed(change));
        assertThrows(RolloutException.class, () -> applier.preflight(change));
        assertThrows(RolloutException.class, () -> applier.rollback(change), "a rollback does not overwrite it either");
    }

    @Test
    void aPatchRefusedOnlyBecauseTheStatusMovedIsReadAgainAndRetried() throws Exception {
        workload("Deployment", "web", 2);
        Change change = change(56, "Deployment", "web");
        Deployment stale = live(Deployment.class, "web");
        rolledOut("web", 2); // the controller writes status between the applier's read and its patch
        cluster.server().expect().get().withPath("/apis/apps/v1/namespaces/shop/deployments/web")
                .andReturn(200, stale).once();
        int patchesBefore = cluster.patches().size();

        applier.apply(change);

        assertEquals(2, cluster.patches().size() - patchesBefore, "refused on the resourceVersion, then applied");
        Deployment d = live(Deployment.class, "web");
        assertEquals(NEW, image(d, "app"));
        assertEquals(2, d.getMetadata().getGeneration());
        assertEquals(Applier.Landing.APPLIED, applier.landed(change));
    }

    @Test
    void landedTellsThisRunsChangeFromSomebodyElses() throws Exception {
        workload("Deployment", "web", 1);
        Change mine = change(47, "Deployment", "web");
        assertEquals(Applier.Landing.NOT_APPLIED, applier.landed(mine));
        applier.apply(mine);
        assertEquals(Applier.Landing.APPLIED, applier.landed(mine));
        // another run that wanted the same version finds it done by someone else
        assertEquals(Applier.Landing.CHANGED_ELSEWHERE, applier.landed(change(48, "Deployment", "web")));
        kube.apps().deployments().inNamespace("shop").withName("web").delete();
        assertEquals(Applier.Landing.CHANGED_ELSEWHERE, applier.landed(mine));
    }

    @Test
    void aStatefulSetIsHealthyWhenEveryPodRunsTheUpdateRevision() throws Exception {
        workload("StatefulSet", "db", 3);
        Change change = change(49, "StatefulSet", "db");
        applier.preflight(change);
        applier.apply(change);
        StatefulSet s = live(StatefulSet.class, "db");
        assertEquals(NEW, image(s, "app"));
        assertEquals("49", templateAnnotations(s).get(KubernetesApplier.RUN_ANNOTATION));
        long generation = s.getMetadata().getGeneration();
        assertEquals(2, generation);
        statefulSetStatus("db", generation, "db-5f", "db-6a", 3);
        Health rolling = applier.verify(change, Duration.ofMillis(400));
        assertFalse(rolling.healthy());
        assertEquals("current revision db-5f, update revision db-6a", check(rolling, "revision").detail());

        statefulSetStatus("db", generation, "db-6a", "db-6a", 2);
        assertEquals("2 of 3 replicas ready", check(applier.verify(change, Duration.ofMillis(400)), "ready")
                .detail());
        statefulSetStatus("db", generation, "db-6a", "db-6a", 3);
        Health health = applier.verify(change, TIMEOUT);
        assertTrue(health.healthy(), health.checks().toString());
        assertEquals(Applier.Landing.APPLIED, applier.landed(change));
    }

    private void statefulSetStatus(String name, long generation, String current, String update, int ready) {
        kube.apps().statefulSets().inNamespace("shop").withName(name).editStatus(s -> {
            s.setStatus(new StatefulSetStatusBuilder().withObservedGeneration(generation).withReplicas(3)
                    .withCurrentRevision(current).withUpdateRevision(update).withReadyReplicas(ready)
                    .withUpdatedReplicas(ready).build());
            return s;
        });
    }

    @Test
    void aDaemonSetIsHealthyWhenEveryScheduledPodIsUpdatedAndAvailable() throws Exception {
        workload("DaemonSet", "agent", 0);
        Change change = change(50, "DaemonSet", "agent");
        applier.apply(change);
        long generation = live(DaemonSet.class, "agent").getMetadata().getGeneration();
        daemonSetStatus(generation, 4, 3, 3);
        Health rolling = applier.verify(change, Duration.ofMillis(400));
        assertFalse(rolling.healthy());
        assertEquals("3 of 4 scheduled pods updated", check(rolling, "updated").detail());
        daemonSetStatus(generation, 4, 4, 4);
        Health health = applier.verify(change, TIMEOUT);
        assertTrue(health.healthy(), health.checks().toString());
        applier.rollback(change);
        assertEquals(OLD, image(live(DaemonSet.class, "agent"), "app"));
    }

    private void daemonSetStatus(long generation, int desired, int updated, int available) {
        kube.apps().daemonSets().inNamespace("shop").withName("agent").editStatus(d -> {
            d.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation)
                    .withDesiredNumberScheduled(desired).withCurrentNumberScheduled(desired)
                    .withUpdatedNumberScheduled(updated).withNumberAvailable(available).withNumberReady(available)
                    .withNumberMisscheduled(0).build());
            return d;
        });
    }

    @Test
    void aCronJobIsHealthyWhenTheNextJobsPodsStart() throws Exception {
        workload("CronJob", "report", 0);
        Change change = change(51, "CronJob", "report");
        applier.preflight(change);
        CronJob before = live(CronJob.class, "report");
        int patchesBefore = cluster.patches().size();
        applier.apply(change);
        strictlyApplicable(JSON.readTree(cluster.patches().get(patchesBefore).body()), before);
        CronJob cron = live(CronJob.class, "report");
        assertEquals(NEW, image(cron, "app"));
        assertEquals("51", templateAnnotations(cron).get(KubernetesApplier.RUN_ANNOTATION));

        job(cron, "report-100", OLD, null); // the last run before the patch does not count
        pod("report-100-x", "job-name=report-100", OLD, "Succeeded", null);
        Health waiting = applier.verify(change, Duration.ofMillis(400));
        assertFalse(waiting.healthy());
        assertTrue(check(waiting, "job-started").detail().startsWith("no Job from the new template yet"),
                waiting.toString());

        job(cron, "report-200", NEW, null);
        assertFalse(applier.verify(change, Duration.ofMillis(400)).healthy(), "a Job without pods has not started");
        pod("report-200-x", "job-name=report-200", NEW, "Running", null);
        Health health = applier.verify(change, TIMEOUT);
        assertTrue(health.healthy(), health.checks().toString());
        assertEquals("a Job from the new template started its pods", check(health, "job-started").detail());
    }

    @Test
    void aCronJobWhoseNewJobFailsOrCrashLoopsIsUnhealthy() throws Exception {
        workload("CronJob", "report", 0);
        Change change = change(52, "CronJob", "report");
        applier.apply(change);
        CronJob cron = live(CronJob.class, "report");
        job(cron, "report-300", NEW, null);
        pod("report-300-x", "job-name=report-300", NEW, "Running", "CrashLoopBackOff");
        Health crash = applier.verify(change, TIMEOUT);
        assertFalse(crash.healthy());
        assertTrue(check(crash, "pods").detail().contains("CrashLoopBackOff"), crash.toString());

        kube.pods().inNamespace("shop").withName("report-300-x").delete();
        kube.batch().v1().jobs().inNamespace("shop").withName("report-300").delete();
        job(cron, "report-301", NEW, "BackoffLimitExceeded");
        Health failed = applier.verify(change, TIMEOUT);
        assertFalse(failed.healthy());
        assertEquals("Job report-301 failed: BackoffLimitExceeded (Job has reached the specified backoff limit)",
                check(failed, "job-started").detail());
    }

    private void job(CronJob owner, String name, String image, String failedReason) {
        Job job = new JobBuilder().withNewMetadata().withNamespace("shop").withName(name)
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("CronJob")
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                .endOwnerReference().endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("job-name", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("job-name", name).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer()
                .withRestartPolicy("Never").endSpec().endTemplate().endSpec().build();
        if (failedReason != null) {
            job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withFailed(7)
                    .withConditions(new JobConditionBuilder().withType("Failed").withStatus("True")
                            .withReason(failedReason).withMessage("Job has reached the specified backoff limit")
                            .build()).build());
        }
        cluster.put(job);
    }

    @Test
    void preflightRefusesWhatCannotBeAppliedAndChangesNothing() throws Exception {
        workload("Deployment", "web", 1);
        int before = cluster.requests();
        RolloutException missing = assertThrows(RolloutException.class,
                () -> applier.preflight(change(53, "Deployment", "gone")));
        assertEquals("Deployment shop/gone container app (cluster prod) does not exist (deleted since the scan)",
                missing.getMessage());
        Change noContainer = new Change(53, 7, new AssetKey("kubernetes", "prod", "shop", "Deployment", "web",
                "nope"), OLD, NEW);
        assertTrue(assertThrows(RolloutException.class, () -> applier.preflight(noContainer)).getMessage()
                .endsWith("has no container \"nope\""));
        Change moved = new Change(53, 7, new AssetKey("kubernetes", "prod", "shop", "Deployment", "web", "app"),
                "registry.example.com/shop/web:1.3.0", NEW);
        assertTrue(assertThrows(RolloutException.class, () -> applier.preflight(moved)).getMessage()
                .contains("runs " + OLD + ", not registry.example.com/shop/web:1.3.0"));
        Change otherCluster = new Change(53, 7, new AssetKey("kubernetes", "staging", "shop", "Deployment", "web",
                "app"), OLD, NEW);
        assertThrows(RolloutException.class, () -> applier.preflight(otherCluster));
        Change job = new Change(53, 7, new AssetKey("kubernetes", "prod", "shop", "Job", "web", "app"), OLD, NEW);
        assertTrue(assertThrows(RolloutException.class, () -> applier.preflight(job)).getMessage()
                .contains("not \"Job\""));
        Deployment d = live(Deployment.class, "web");
        assertEquals(1, d.getMetadata().getGeneration());
        assertEquals(OLD, image(d, "app"));
        assertTrue(cluster.requests() - before <= 4, "reads only");
    }

    @Test
    void aForbiddenPatchIsReportedAsSuch() throws Exception {
        workload("Deployment", "web", 1);
        cluster.server().expect().patch().withPath("/apis/apps/v1/namespaces/shop/deployments/web")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                        "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:ops:safe-updater\""
                                + " cannot patch resource \"deployments\"").build()).once();
        RolloutException e = assertThrows(RolloutException.class, () -> applier.apply(change(54, "Deployment",
                "web")));
        assertTrue(e.getMessage().startsWith("cannot apply: the service account may not patch Deployment shop/web"),
                e.getMessage());
        assertEquals(OLD, image(live(Deployment.class, "web"), "app"));
    }

    @Test
    void aBusyServerIsAskedAgainAndTheChangeWrittenOnce() throws Exception {
        workload("Deployment", "web", 1);
        cluster.server().expect().patch().withPath("/apis/apps/v1/namespaces/shop/deployments/web")
                .andReturn(503, new StatusBuilder().withCode(503).withMessage("etcdserver: leader changed").build())
                .once();
        int patchesBefore = cluster.patches().size();
        Change change = change(57, "Deployment", "web");
        applier.apply(change);
        assertEquals(2, cluster.patches().size() - patchesBefore);
        assertEquals(2, live(Deployment.class, "web").getMetadata().getGeneration());
        assertEquals(Applier.Landing.APPLIED, applier.landed(change));
    }

    @Test
    void imagesAreComparedAsReferencesNotAsText() {
        assertTrue(KubernetesApplier.sameImage("nginx", "docker.io/library/nginx:latest"));
        assertTrue(KubernetesApplier.sameImage("nginx:1.25", "index.docker.io/library/nginx:1.25"));
        assertTrue(KubernetesApplier.sameImage("ghcr.io/a/b:1@sha256:" + "a".repeat(64), "ghcr.io/a/b:1"));
        assertFalse(KubernetesApplier.sameImage("nginx:1.25", "nginx:1.26"));
        assertFalse(KubernetesApplier.sameImage("ghcr.io/a/b@sha256:" + "a".repeat(64),
                "ghcr.io/a/b@sha256:" + "b".repeat(64)));
        assertFalse(KubernetesApplier.sameImage("nginx:1.25", "ghcr.io/library/nginx:1.25"));
    }

    @Test
    void theInventoryConfigurationGivesOneApplierPerKubernetesClusterOnItsConnection() throws Exception {
        workload("Deployment", "web", 1);
        Path kubeconfig = cluster.kubeconfig(tmp, "mock");
        Path file = Files.writeString(tmp.resolve("inventory.yaml"), """
                sources:
                  - name: prod-k8s
                    type: kubernetes
                    cluster: prod
                    kubeconfig: %s
                    context: mock
                  - name: edge
                    type: kubernetes
                    kubeconfig: %s
                  - name: local
                    type: docker
                """.formatted(kubeconfig, kubeconfig));
        Map<String, Applier> appliers = KubernetesAppliers.forClusters(
                KubernetesSource.connectionsByCluster(InventoryConfig.load(file)), Duration.ofMillis(50));
        assertEquals(java.util.Set.of("prod", "edge"), appliers.keySet());
        Change change = change(55, "Deployment", "web");
        Applier prod = appliers.get(change.key().cluster());
        prod.preflight(change);
        prod.apply(change);
        assertEquals(NEW, image(live(Deployment.class, "web"), "app"));
        assertThrows(RolloutException.class, () -> appliers.get("edge").landed(change), "not edge's cluster");
    }
}
