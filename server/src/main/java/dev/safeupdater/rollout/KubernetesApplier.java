package dev.safeupdater.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.platform.KubernetesConnection;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Updates the image of one container of a Deployment, StatefulSet, DaemonSet or CronJob of one cluster.
 *
 * <p>The change is one JSON patch: {@code test} operations on the object's resourceVersion, the container's name and
 * its previous image, a {@code replace} of the image in the pod template, and the annotation
 * {@code safe-updater.io/run: <run id>} on the workload and on its pod template. A concurrent change makes the API
 * server refuse the patch instead of being overwritten; because the template annotation changes with the image in
 * the same write, {@link #landed} can tell this run's change from anybody else's after a crash. Health is the
 * kind's own rollout status (what {@code kubectl rollout status} reads) plus the containers of the new template's
 * pods: one waiting in {@code CrashLoopBackOff} (or unable to pull or start its image) makes the rollout unhealthy
 * at once. Rollback is the same patch in the other direction.
 *
 * <p>Stateless between calls: every call opens a client from the source's {@link KubernetesConnection} and closes
 * it, so any replica can continue a run.
 */
public final class KubernetesApplier implements Applier {
    /** On the workload and its pod template: the run whose change the template carries. */
    public static final String RUN_ANNOTATION = "safe-updater.io/run";
    /** On the workload: the run whose change was rolled back last. */
    public static final String ROLLED_BACK_ANNOTATION = "safe-updater.io/rolled-back-run";
    static final String SOURCE = "kubernetes";
    /**
     * Waiting reasons that do not heal by waiting: the new template cannot run. Not the first-attempt reasons
     * ({@code ErrImagePull}, {@code CreateContainerError}), which a retry may clear; they turn into a back-off.
     */
    static final Set<String> FATAL_WAITING = Set.of("CrashLoopBackOff", "ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "RunContainerError");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Patches refused for another reason than the image (a status update moved the resourceVersion) are retried. */
    private static final int PATCH_ATTEMPTS = 4;

    private final String cluster;
    private final KubernetesConnection connection;
    private final Duration pollInterval;

    /**
     * @param cluster      the cluster name of the inventory source (the assets' {@code cluster}); changes of other
     *                     clusters are refused
     * @param connection   how the inventory source reaches the cluster
     * @param pollInterval how often {@link #verify} reads the rollout status
     */
    public KubernetesApplier(String cluster, KubernetesConnection connection, Duration pollInterval) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.connection = Objects.requireNonNull(connection, "connection");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive");
        }
        this.pollInterval = pollInterval;
    }

    /** The cluster this applier changes. */
    public String cluster() {
        return cluster;
    }

    /** The workload kinds and where their pod template is. */
    enum Kind {
        DEPLOYMENT("Deployment", Deployment.class, "/spec/template"),
        STATEFULSET("StatefulSet", StatefulSet.class, "/spec/template"),
        DAEMONSET("DaemonSet", DaemonSet.class, "/spec/template"),
        CRONJOB("CronJob", CronJob.class, "/spec/jobTemplate/spec/template");

        final String kind;
        final Class<? extends HasMetadata> type;
        final String templatePath;

        Kind(String kind, Class<? extends HasMetadata> type, String templatePath) {
            this.kind = kind;
            this.type = type;
            this.templatePath = templatePath;
        }

        static Kind of(String kind) throws RolloutException {
            for (Kind k : values()) {
                if (k.kind.equals(kind)) {
                    return k;
                }
            }
            throw new RolloutException("the Kubernetes applier changes Deployments, StatefulSets, DaemonSets and"
                    + " CronJobs, not \"" + kind + "\"");
        }

        PodTemplateSpec template(HasMetadata w) {
            PodTemplateSpec t = switch (w) {
                case Deployment d -> d.getSpec() == null ? null : d.getSpec().getTemplate();
                case StatefulSet s -> s.getSpec() == null ? null : s.getSpec().getTemplate();
                case DaemonSet d -> d.getSpec() == null ? null : d.getSpec().getTemplate();
                case CronJob c -> c.getSpec() == null || c.getSpec().getJobTemplate() == null
                        || c.getSpec().getJobTemplate().getSpec() == null ? null
                        : c.getSpec().getJobTemplate().getSpec().getTemplate();
                default -> null;
            };
            return t == null || t.getSpec() == null ? null : t;
        }
    }

    /** The container of the change inside the live workload. */
    private record Slot(HasMetadata workload, Kind kind, String list, int index, String image) {
        String imagePath() {
            return kind.templatePath + "/spec/" + list + "/" + index + "/image";
        }

        String templateRun() {
            PodTemplateSpec t = kind.template(workload);
            return t.getMetadata() == null || t.getMetadata().getAnnotations() == null ? null
                    : t.getMetadata().getAnnotations().get(RUN_ANNOTATION);
        }
    }

    @Override
    public void preflight(Change change) throws RolloutException {
        try (KubernetesClient client = open(change)) {
            Slot slot = read(client, change);
            if (!sameImage(slot.image(), change.fromImage())) {
                throw new RolloutException(describe(change) + " runs " + slot.image() + ", not "
                        + change.fromImage() + " (changed since the scan); nothing was changed");
            }
        }
    }

    @Override
    public void apply(Change change) throws RolloutException {
        patchImage(change, change.fromImage(), change.toImage(), false);
    }

    @Override
    public void rollback(Change change) throws RolloutException {
        patchImage(change, change.toImage(), change.fromImage(), true);
    }

    @Override
    public Landing landed(Change change) throws RolloutException {
        try (KubernetesClient client = open(change)) {
            Slot slot;
            try {
                slot = read(client, change);
            } catch (Gone e) {
                return Landing.CHANGED_ELSEWHERE;
            }
            return landing(slot, change);
        }
    }

    private static Landing landing(Slot slot, Change change) {
        if (sameImage(slot.image(), change.toImage()) && Long.toString(change.runId()).equals(slot.templateRun())) {
            return Landing.APPLIED;
        }
        if (sameImage(slot.image(), change.fromImage())) {
            return Landing.NOT_APPLIED;
        }
        return Landing.CHANGED_ELSEWHERE;
    }

    /**
     * Replaces {@code expected} by {@code wanted}. Done already (a retried request that landed, a repeated rollback)
     * counts as success; any other image in place refuses the change and leaves the workload alone.
     */
    private void patchImage(Change change, String expected, String wanted, boolean rollback) throws RolloutException {
        String run = Long.toString(change.runId());
        String what = rollback ? "roll back" : "apply";
        try (KubernetesClient client = open(change)) {
            for (int attempt = 1; ; attempt++) {
                Slot slot = read(client, change);
                if (rollback ? sameImage(slot.image(), wanted)
                        : landing(slot, change) == Landing.APPLIED) {
                    return; // already in place: never written twice
                }
                if (!sameImage(slot.image(), expected)) {
                    throw new RolloutException("cannot " + what + ": " + describe(change) + " runs " + slot.image()
                            + ", not " + expected + " (changed by someone else); the workload was left as it is");
                }
                String patch = patch(slot, change.key().container(), wanted, run, rollback);
                try {
                    client.resources(slot.kind().type).inNamespace(change.key().namespace())
                            .withName(change.key().name()).patch(PatchContext.of(PatchType.JSON), patch);
                    return;
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 403) {
                        throw new RolloutException("cannot " + what + ": the service account may not patch "
                                + slot.kind().kind + " " + change.key().namespace() + "/" + change.key().name()
                                + " (" + apiMessage(e) + ")", e);
                    }
                    int code = e.getCode();
                    if (code != 0 && code != 409 && code != 422 && code != 429 && code < 500) {
                        throw new RolloutException("cannot " + what + " " + describe(change) + ": "
                                + apiMessage(e), e);
                    }
                    // a test operation failed (409/422, some servers 500), or the answer was lost (0) or the server
                    // was busy: the next round reads what is in place (done, someone else's, or still to do); the
                    // test operations keep a repeated patch from writing twice. Give up after a few.
                    if (attempt == PATCH_ATTEMPTS) {
                        throw new RolloutException("cannot " + what + " " + describe(change) + ": the patch was"
                                + " refused " + attempt + " times (" + apiMessage(e) + ")", e);
                    }
                }
            }
        }
    }

    /** The JSON patch: tests on what was read, the image, and the run annotations. */
    private static String patch(Slot slot, String container, String image, String run, boolean rollback) {
        ArrayNode ops = JSON.createArrayNode();
        String base = slot.kind().templatePath + "/spec/" + slot.list() + "/" + slot.index();
        op(ops, "test", "/metadata/resourceVersion").put("value", slot.workload().getMetadata().getResourceVersion());
        op(ops, "test", base + "/name").put("value", container);
        op(ops, "test", slot.imagePath()).put("value", slot.image());
        op(ops, "replace", slot.imagePath()).put("value", image);
        PodTemplateSpec template = slot.kind().template(slot.workload());
        Map<String, String> templateAnnotations = template.getMetadata() == null ? null
                : template.getMetadata().getAnnotations();
        if (!rollback) {
            annotate(ops, slot.kind().templatePath + "/metadata", template.getMetadata() != null,
                    templateAnnotations, RUN_ANNOTATION, run);
            annotate(ops, "/metadata", true, slot.workload().getMetadata().getAnnotations(), RUN_ANNOTATION, run);
        } else {
            if (templateAnnotations != null && run.equals(templateAnnotations.get(RUN_ANNOTATION))) {
                // the template goes back to what it was (a Deployment then reuses its previous ReplicaSet)
                op(ops, "remove", slot.kind().templatePath + "/metadata/annotations/" + pointer(RUN_ANNOTATION));
            }
            annotate(ops, "/metadata", true, slot.workload().getMetadata().getAnnotations(), ROLLED_BACK_ANNOTATION,
                    run);
        }
        return ops.toString();
    }

    private static void annotate(ArrayNode ops, String metadataPath, boolean metadataExists,
                                 Map<String, String> annotations, String key, String value) {
        if (!metadataExists) {
            ObjectNode meta = op(ops, "add", metadataPath).putObject("value");
            meta.putObject("annotations").put(key, value);
        } else if (annotations == null || annotations.isEmpty()) {
            // fabric8 reads an absent map as empty: create it (replacing an empty one loses nothing)
            op(ops, "add", metadataPath + "/annotations").putObject("value").put(key, value);
        } else {
            op(ops, "add", metadataPath + "/annotations/" + pointer(key)).put("value", value);
        }
    }

    private static ObjectNode op(ArrayNode ops, String op, String path) {
        return ops.addObject().put("op", op).put("path", path);
    }

    /** A JSON pointer token: {@code ~} and {@code /} escaped. */
    private static String pointer(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    @Override
    public Health verify(Change change, Duration timeout) throws RolloutException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        try (KubernetesClient client = open(change)) {
            while (true) {
                Poll poll;
                try {
                    poll = poll(client, change);
                } catch (Gone e) {
                    return new Health(false, List.of(new Health.Check("exists", false, e.getMessage())),
                            took(start));
                } catch (RolloutException e) {
                    if (System.nanoTime() >= deadline) {
                        throw new RolloutException("cannot verify " + describe(change) + " within " + timeout
                                + ": " + e.getMessage(), e);
                    }
                    poll = null; // the API did not answer this time; ask again
                }
                if (poll != null && poll.state() != State.WAITING) {
                    return new Health(poll.state() == State.HEALTHY, poll.checks(), took(start));
                }
                if (poll != null && System.nanoTime() >= deadline) {
                    List<Health.Check> checks = new ArrayList<>(poll.checks());
                    checks.add(new Health.Check("timeout", false, "the rollout did not finish within " + timeout));
                    return new Health(false, checks, took(start));
                }
                try {
                    Thread.sleep(Math.max(1, Math.min(pollInterval.toMillis(),
                            (deadline - System.nanoTime()) / 1_000_000 + 1)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RolloutException("verification of " + describe(change) + " was interrupted", e);
                }
            }
        }
    }

    private static Duration took(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private enum State { HEALTHY, WAITING, FAILED }

    private record Poll(State state, List<Health.Check> checks) {
    }

    /** One look at the workload: its own rollout status, then the pods of the new template. */
    private Poll poll(KubernetesClient client, Change change) throws RolloutException {
        Slot slot = read(client, change);
        List<Health.Check> checks = new ArrayList<>();
        if (!sameImage(slot.image(), change.toImage())) {
            checks.add(new Health.Check("image", false, "the pod template runs " + slot.image() + ", not "
                    + change.toImage() + " (changed by someone else)"));
            return new Poll(State.FAILED, checks);
        }
        State status = switch (slot.workload()) {
            case Deployment d -> deployment(d, checks);
            case StatefulSet s -> statefulSet(s, checks);
            case DaemonSet d -> daemonSet(d, checks);
            case CronJob c -> cronJob(client, c, change, checks);
            default -> throw new IllegalStateException(slot.workload().getKind());
        };
        if (status == State.FAILED) {
            return new Poll(State.FAILED, checks);
        }
        State pods = slot.workload() instanceof CronJob ? State.HEALTHY : pods(client, slot, change, checks);
        if (pods == State.FAILED) {
            return new Poll(State.FAILED, checks);
        }
        return new Poll(status == State.HEALTHY && pods == State.HEALTHY ? State.HEALTHY : State.WAITING, checks);
    }

    private static State deployment(Deployment d, List<Health.Check> checks) {
        DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        int replicas = orZero(d.getSpec().getReplicas(), 1);
        boolean observed = observed(d, s.getObservedGeneration(), checks);
        // a condition of an older generation (an earlier failed rollout) says nothing about this one
        for (DeploymentCondition c : !observed || s.getConditions() == null ? List.<DeploymentCondition>of()
                : s.getConditions()) {
            if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
                checks.add(new Health.Check("progress-deadline", false, "the Deployment exceeded its progress"
                        + " deadline" + (c.getMessage() == null ? "" : ": " + c.getMessage())));
                return State.FAILED;
            }
        }
        if (observed) {
            checks.add(new Health.Check("progress-deadline", true, "no ProgressDeadlineExceeded condition"));
        }
        int updated = orZero(s.getUpdatedReplicas(), 0);
        int total = orZero(s.getReplicas(), 0);
        int available = orZero(s.getAvailableReplicas(), 0);
        boolean allUpdated = updated == replicas && total == updated;
        checks.add(new Health.Check("updated", allUpdated, updated + " of " + replicas + " replicas updated"
                + (total > updated ? ", " + (total - updated) + " old replicas still running" : "")));
        boolean allAvailable = available == replicas;
        checks.add(new Health.Check("available", allAvailable, available + " of " + replicas + " replicas available"));
        return observed && allUpdated && allAvailable ? State.HEALTHY : State.WAITING;
    }

    private static State statefulSet(StatefulSet set, List<Health.Check> checks) {
        StatefulSetStatus s = set.getStatus() == null ? new StatefulSetStatus() : set.getStatus();
        int replicas = orZero(set.getSpec().getReplicas(), 1);
        boolean observed = observed(set, s.getObservedGeneration(), checks);
        boolean revision = s.getUpdateRevision() != null && s.getUpdateRevision().equals(s.getCurrentRevision());
        checks.add(new Health.Check("revision", revision, revision ? "every pod runs revision "
                + s.getUpdateRevision() : "current revision " + s.getCurrentRevision() + ", update revision "
                + s.getUpdateRevision()));
        int ready = orZero(s.getReadyReplicas(), 0);
        boolean allReady = ready == replicas;
        checks.add(new Health.Check("ready", allReady, ready + " of " + replicas + " replicas ready"));
        return observed && revision && allReady ? State.HEALTHY : State.WAITING;
    }

    private static State daemonSet(DaemonSet set, List<Health.Check> checks) {
        DaemonSetStatus s = set.getStatus() == null ? new DaemonSetStatus() : set.getStatus();
        boolean observed = observed(set, s.getObservedGeneration(), checks);
        int desired = orZero(s.getDesiredNumberScheduled(), 0);
        int updated = orZero(s.getUpdatedNumberScheduled(), 0);
        int available = orZero(s.getNumberAvailable(), 0);
        boolean allUpdated = updated == desired;
        checks.add(new Health.Check("updated", allUpdated, updated + " of " + desired + " scheduled pods updated"));
        boolean allAvailable = available == desired;
        checks.add(new Health.Check("available", allAvailable, available + " of " + desired
                + " scheduled pods available"));
        return observed && allUpdated && allAvailable ? State.HEALTHY : State.WAITING;
    }

    /** The controller has seen the current spec; before that, every other status field describes the old one. */
    private static boolean observed(HasMetadata w, Long observedGeneration, List<Health.Check> checks) {
        long generation = w.getMetadata().getGeneration() == null ? 0 : w.getMetadata().getGeneration();
        long seen = observedGeneration == null ? 0 : observedGeneration;
        boolean ok = seen >= generation;
        checks.add(new Health.Check("observed-generation", ok, "the controller observed generation " + seen
                + " of " + generation));
        return ok;
    }

    /**
     * A CronJob is healthy once a Job it created from the new template has a pod running or succeeded (or has
     * succeeded already); a failed Job or a crash-looping pod of one is unhealthy.
     */
    private State cronJob(KubernetesClient client, CronJob cron, Change change, List<Health.Check> checks)
            throws RolloutException {
        String ns = change.key().namespace();
        List<Job> jobs;
        try {
            jobs = client.batch().v1().jobs().inNamespace(ns).list().getItems();
        } catch (KubernetesClientException e) {
            throw new RolloutException("cannot list the Jobs of " + describe(change) + ": " + apiMessage(e), e);
        }
        String uid = cron.getMetadata().getUid();
        List<Job> fresh = new ArrayList<>();
        for (Job job : jobs) {
            boolean owned = job.getMetadata().getOwnerReferences() != null && job.getMetadata().getOwnerReferences()
                    .stream().map(OwnerReference::getUid).anyMatch(o -> o != null && o.equals(uid));
            Container c = job.getSpec() == null || job.getSpec().getTemplate() == null ? null
                    : container(job.getSpec().getTemplate().getSpec(), change.key().container());
            if (owned && c != null && sameImage(c.getImage(), change.toImage())) {
                fresh.add(job);
            }
        }
        if (fresh.isEmpty()) {
            boolean suspended = Boolean.TRUE.equals(cron.getSpec().getSuspend());
            checks.add(new Health.Check("job-started", false, "no Job from the new template yet (schedule \""
                    + cron.getSpec().getSchedule() + "\"" + (suspended ? ", suspended" : "") + ")"));
            return State.WAITING;
        }
        boolean started = false;
        for (Job job : fresh) {
            String name = job.getMetadata().getName();
            for (JobCondition c : job.getStatus() == null || job.getStatus().getConditions() == null
                    ? List.<JobCondition>of() : job.getStatus().getConditions()) {
                if ("Failed".equals(c.getType()) && "True".equals(c.getStatus())) {
                    checks.add(new Health.Check("job-started", false, "Job " + name + " failed"
                            + (c.getReason() == null ? "" : ": " + c.getReason())
                            + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")")));
                    return State.FAILED;
                }
            }
            if (job.getStatus() != null && orZero(job.getStatus().getSucceeded(), 0) > 0) {
                started = true;
            }
            LabelSelector selector = job.getSpec().getSelector();
            List<Pod> pods = selector == null
                    ? pods(client, ns, null, Map.of("job-name", name), change)
                    : pods(client, ns, selector, null, change);
            String crash = crashLooping(pods);
            if (crash != null) {
                checks.add(new Health.Check("pods", false, crash));
                return State.FAILED;
            }
            started |= pods.stream().anyMatch(p -> p.getStatus() != null
                    && ("Running".equals(p.getStatus().getPhase()) || "Succeeded".equals(p.getStatus().getPhase())));
        }
        checks.add(new Health.Check("job-started", started, started
                ? "a Job from the new template started its pods"
                : fresh.size() + " Job(s) from the new template, no pod running yet"));
        return started ? State.HEALTHY : State.WAITING;
    }

    /** The pods of the new template (by the workload's selector and the new image) must not crash-loop. */
    private State pods(KubernetesClient client, Slot slot, Change change, List<Health.Check> checks)
            throws RolloutException {
        LabelSelector selector = switch (slot.workload()) {
            case Deployment d -> d.getSpec().getSelector();
            case StatefulSet s -> s.getSpec().getSelector();
            case DaemonSet d -> d.getSpec().getSelector();
            default -> null;
        };
        if (selector == null) {
            checks.add(new Health.Check("pods", true, "the workload has no pod selector; pods not checked"));
            return State.HEALTHY;
        }
        List<Pod> pods = pods(client, change.key().namespace(), selector, null, change);
        List<Pod> fresh = pods.stream().filter(p -> {
            Container c = container(p.getSpec(), change.key().container());
            return c != null && sameImage(c.getImage(), change.toImage());
        }).toList();
        String crash = crashLooping(fresh);
        if (crash != null) {
            checks.add(new Health.Check("pods", false, crash));
            return State.FAILED;
        }
        checks.add(new Health.Check("pods", true, fresh.size() + " pod(s) of the new template, none"
                + " crash-looping"));
        return State.HEALTHY;
    }

    private static List<Pod> pods(KubernetesClient client, String ns, LabelSelector selector,
                                  Map<String, String> labels, Change change) throws RolloutException {
        try {
            var pods = client.pods().inNamespace(ns);
            return (selector != null ? pods.withLabelSelector(selector) : pods.withLabels(labels)).list().getItems();
        } catch (KubernetesClientException e) {
            throw new RolloutException("cannot list the pods of " + describe(change) + ": " + apiMessage(e), e);
        }
    }

    /** The first container of {@code pods} waiting for a reason that does not heal, described; else null. */
    static String crashLooping(List<Pod> pods) {
        for (Pod pod : pods) {
            if (pod.getStatus() == null) {
                continue;
            }
            List<ContainerStatus> statuses = new ArrayList<>();
            if (pod.getStatus().getInitContainerStatuses() != null) {
                statuses.addAll(pod.getStatus().getInitContainerStatuses());
            }
            if (pod.getStatus().getContainerStatuses() != null) {
                statuses.addAll(pod.getStatus().getContainerStatuses());
            }
            for (ContainerStatus cs : statuses) {
                var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
                if (waiting != null && FATAL_WAITING.contains(waiting.getReason())) {
                    return "pod " + pod.getMetadata().getName() + " container " + cs.getName() + ": "
                            + waiting.getReason() + (cs.getRestartCount() == null || cs.getRestartCount() == 0 ? ""
                            : " after " + cs.getRestartCount() + " restart(s)")
                            + (waiting.getMessage() == null ? "" : " (" + waiting.getMessage() + ")");
                }
            }
        }
        return null;
    }

    /** Reads the workload and finds the change's container in its pod template. */
    private Slot read(KubernetesClient client, Change change) throws RolloutException {
        Kind kind = Kind.of(change.key().kind());
        AssetKey key = change.key();
        HasMetadata w;
        try {
            w = client.resources(kind.type).inNamespace(key.namespace()).withName(key.name()).get();
        } catch (KubernetesClientException e) {
            throw new RolloutException("cannot read " + describe(change) + ": " + apiMessage(e), e);
        }
        if (w == null) {
            throw new Gone(describe(change) + " does not exist (deleted since the scan)");
        }
        PodTemplateSpec template = kind.template(w);
        if (template != null) {
            PodSpec spec = template.getSpec();
            for (String list : List.of("containers", "initContainers")) {
                List<Container> cs = list.equals("containers") ? spec.getContainers() : spec.getInitContainers();
                for (int i = 0; cs != null && i < cs.size(); i++) {
                    if (key.container().equals(cs.get(i).getName())) {
                        return new Slot(w, kind, list, i, cs.get(i).getImage());
                    }
                }
            }
        }
        throw new Gone(describe(change) + " has no container \"" + key.container() + "\"");
    }

    /** The workload or its container is gone. */
    private static final class Gone extends RolloutException {
        private static final long serialVersionUID = 1L;

        Gone(String message) {
            super(message);
        }
    }

    private static Container container(PodSpec spec, String name) {
        if (spec == null) {
            return null;
        }
        for (List<Container> cs : java.util.Arrays.asList(spec.getContainers(), spec.getInitContainers())) {
            for (Container c : cs == null ? List.<Container>of() : cs) {
                if (name.equals(c.getName())) {
                    return c;
                }
            }
        }
        return null;
    }

    private KubernetesClient open(Change change) throws RolloutException {
        AssetKey key = change.key();
        if (!SOURCE.equals(key.source()) || !cluster.equals(key.cluster())) {
            throw new RolloutException("the Kubernetes applier of cluster " + cluster + " cannot change "
                    + key.display());
        }
        try {
            return connection.open(cluster);
        } catch (KubernetesConnection.ConfigurationException e) {
            throw new RolloutException(e.getMessage(), e);
        }
    }

    /**
     * Whether two references name the same image: same registry and repository (Docker's defaults applied), same
     * tag ({@code latest} when none), and the same digest when both name one.
     */
    static boolean sameImage(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        if (a.equals(b)) {
            return true;
        }
        ImageReference x;
        ImageReference y;
        try {
            x = ImageReference.parse(a);
            y = ImageReference.parse(b);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!x.name().equals(y.name())) {
            return false;
        }
        if (x.digest() != null && y.digest() != null) {
            return x.digest().toLowerCase(Locale.ROOT).equals(y.digest().toLowerCase(Locale.ROOT))
                    && (x.tag() == null || y.tag() == null || x.tag().equals(y.tag()));
        }
        return Objects.equals(tagOrLatest(x), tagOrLatest(y));
    }

    private static String tagOrLatest(ImageReference r) {
        return r.tag() == null && r.digest() == null ? "latest" : r.tag();
    }

    private static int orZero(Integer i, int dflt) {
        return i == null ? dflt : i;
    }

    private static String describe(Change change) {
        AssetKey k = change.key();
        return k.kind() + " " + k.namespace() + "/" + k.name() + " container " + k.container() + " (cluster "
                + k.cluster() + ")";
    }

    /** The API server's own message (what was refused and why); never the request, which carries no secrets anyway. */
    private static String apiMessage(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return "HTTP " + e.getCode() + ": " + e.getStatus().getMessage();
        }
        return e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
    }
}
