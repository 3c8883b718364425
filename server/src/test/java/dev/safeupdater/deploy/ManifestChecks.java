package dev.safeupdater.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.safeupdater.app.Settings;
import dev.safeupdater.inventory.InventoryConfig;
import dev.safeupdater.inventory.InventorySource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;

/**
 * What every rendering of Safe Updater's manifests must satisfy, whatever produced it (the Helm chart or a kustomize
 * overlay) and whichever variant (server or CronJob, PostgreSQL or embedded, cluster-wide or namespaced).
 */
final class ManifestChecks {
    /** The opt-out hint; read from the workload's own annotations (docs/inventory.md "Hints"). */
    static final String OPT_OUT = "safe-updater.io/enabled";

    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding");

    enum Mode { SERVER, CRONJOB }

    enum Db { POSTGRES, EMBEDDED }

    /** The workload and its pod, wherever the kind keeps it. */
    record Workload(HasMetadata object, PodTemplateSpec template) {
        PodSpec pod() {
            return template.getSpec();
        }

        Container container() {
            List<Container> cs = pod().getContainers();
            assertEquals(1, cs.size(), "one container");
            return cs.get(0);
        }
    }

    private ManifestChecks() {
    }

    static Workload workload(Manifests m, Mode mode) {
        if (mode == Mode.SERVER) {
            assertTrue(m.all(CronJob.class).isEmpty(), "a server installation has no CronJob");
            Deployment d = m.one(Deployment.class);
            return new Workload(d, d.getSpec().getTemplate());
        }
        assertTrue(m.all(Deployment.class).isEmpty(), "a CronJob installation has no Deployment");
        assertTrue(m.all(Service.class).isEmpty(), "a CronJob installation has no Service");
        CronJob c = m.one(CronJob.class);
        return new Workload(c, c.getSpec().getJobTemplate().getSpec().getTemplate());
    }

    /** Everything below, for one rendering. Returns the inventory sources the rendered file configures. */
    static List<InventorySource> all(Manifests m, Mode mode, Db db, Path scratch) {
        Workload w = workload(m, mode);
        namespaced(m);
        noSecrets(m);
        noWildcards(m);
        bindings(m, w);
        security(w);
        optOut(w);
        if (mode == Mode.SERVER) {
            probes(w.container());
            service(m, w);
            assertEquals(List.of("serve"), w.container().getArgs());
        } else {
            assertEquals(List.of("run", "--once"), w.container().getArgs());
            assertTrue(w.container().getReadinessProbe() == null && w.container().getLivenessProbe() == null,
                    "a run-once job has no probes");
            CronJob c = (CronJob) w.object();
            assertEquals("Forbid", c.getSpec().getConcurrencyPolicy(), "cycles never overlap");
            assertEquals("Never", w.pod().getRestartPolicy());
        }
        env(w.container(), mode, db);
        networkPolicy(m, w, mode, db);
        return inventory(m, w, scratch);
    }

    /** Every namespaced object names its namespace (kustomize and helm -n both write it). */
    static void namespaced(Manifests m) {
        for (HasMetadata o : m.objects) {
            if (!CLUSTER_SCOPED.contains(o.getKind())) {
                assertNotNull(o.getMetadata().getNamespace(), o.getKind() + " " + o.getMetadata().getName()
                        + " has no namespace");
            }
        }
    }

    /** Secret values never live in these manifests: the operator creates the Secrets. */
    static void noSecrets(Manifests m) {
        assertTrue(m.all(Secret.class).isEmpty(), "no Secret is rendered");
    }

    /** No RBAC rule anywhere uses "*" (all groups, resources, verbs or names). */
    static void noWildcards(Manifests m) {
        for (var e : rules(m).entrySet()) {
            for (PolicyRule r : e.getValue()) {
                Stream.of(r.getApiGroups(), r.getResources(), r.getVerbs(), r.getResourceNames(), r.getNonResourceURLs())
                        .filter(Objects::nonNull).flatMap(List::stream)
                        .forEach(s -> assertFalse(s.contains("*"), e.getKey() + " uses a wildcard: " + r));
            }
        }
    }

    /** The rules of every ClusterRole ("ClusterRole") and Role ("Role/namespace"). */
    static Map<String, List<PolicyRule>> rules(Manifests m) {
        Map<String, List<PolicyRule>> out = new TreeMap<>();
        m.all(ClusterRole.class).forEach(r -> out.put("ClusterRole", r.getRules()));
        m.all(Role.class).forEach(r -> out.put("Role/" + r.getMetadata().getNamespace(), r.getRules()));
        return out;
    }

    /**
     * Each role's permissions as a set of {@code group/resource:verb} strings ({@code core} for the core group),
     * {@code #name} appended when the rule is limited to named objects.
     */
    static Map<String, Set<String>> permissions(Manifests m) {
        Map<String, Set<String>> out = new TreeMap<>();
        rules(m).forEach((role, rules) -> {
            Set<String> p = new TreeSet<>();
            for (PolicyRule r : rules) {
                for (String g : r.getApiGroups()) {
                    for (String res : r.getResources()) {
                        for (String v : r.getVerbs()) {
                            String base = (g.isEmpty() ? "core" : g) + "/" + res + ":" + v;
                            if (r.getResourceNames() == null || r.getResourceNames().isEmpty()) {
                                assertTrue(p.add(base), role + " grants " + base + " twice");
                            } else {
                                r.getResourceNames().forEach(n -> p.add(base + "#" + n));
                            }
                        }
                    }
                }
            }
            out.put(role, p);
        });
        return out;
    }

    /** Every role is bound to the workload's service account, and that account is rendered. */
    static void bindings(Manifests m, Workload w) {
        String sa = w.pod().getServiceAccountName();
        String ns = w.object().getMetadata().getNamespace();
        assertTrue(m.named(ServiceAccount.class, sa).isPresent(), "the service account " + sa + " is rendered");
        Set<String> bound = new HashSet<>();
        for (ClusterRoleBinding b : m.all(ClusterRoleBinding.class)) {
            assertEquals("ClusterRole", b.getRoleRef().getKind());
            assertTrue(m.named(ClusterRole.class, b.getRoleRef().getName()).isPresent(), "bound role exists");
            subject(b.getSubjects(), sa, ns);
            bound.add("ClusterRole");
        }
        for (RoleBinding b : m.all(RoleBinding.class)) {
            assertEquals("Role", b.getRoleRef().getKind());
            String bns = b.getMetadata().getNamespace();
            assertTrue(m.all(Role.class).stream().anyMatch(r -> r.getMetadata().getName().equals(b.getRoleRef().getName())
                    && Objects.equals(r.getMetadata().getNamespace(), bns)), "bound Role exists in " + bns);
            subject(b.getSubjects(), sa, ns);
            bound.add("Role/" + bns);
        }
        assertEquals(rules(m).keySet(), bound, "every role is bound, and only to existing roles");
        assertFalse(bound.isEmpty(), "the service account has a role");
    }

    private static void subject(List<Subject> subjects, String sa, String ns) {
        assertEquals(1, subjects.size());
        Subject s = subjects.get(0);
        assertEquals("ServiceAccount", s.getKind());
        assertEquals(sa, s.getName());
        assertEquals(ns, s.getNamespace(), "the binding names the service account's namespace");
    }

    /** Non-root, read-only root filesystem, no privilege escalation, no capabilities, resources set. */
    static void security(Workload w) {
        var pod = w.pod().getSecurityContext();
        assertNotNull(pod, "pod securityContext");
        assertEquals(Boolean.TRUE, pod.getRunAsNonRoot(), "pod runAsNonRoot");
        assertNotNull(pod.getRunAsUser(), "a numeric user (the image's 10001)");
        assertTrue(pod.getRunAsUser() > 0, "not root");
        assertEquals("RuntimeDefault", pod.getSeccompProfile().getType());
        Container c = w.container();
        var sc = c.getSecurityContext();
        assertNotNull(sc, "container securityContext");
        assertEquals(Boolean.TRUE, sc.getRunAsNonRoot());
        assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), "read-only root filesystem");
        assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation());
        assertTrue(sc.getPrivileged() == null || !sc.getPrivileged());
        assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
        assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty());
        for (Volume v : w.pod().getVolumes()) {
            assertTrue(v.getHostPath() == null, "no hostPath volume: " + v.getName());
        }
        assertTrue(w.pod().getHostNetwork() == null || !w.pod().getHostNetwork(), "no host network");
        var res = c.getResources();
        assertNotNull(res.getRequests().get("cpu"), "cpu request");
        assertNotNull(res.getRequests().get("memory"), "memory request");
        assertNotNull(res.getLimits().get("memory"), "memory limit");
        // the only writable places: /tmp and (embedded database) /app/data
        for (VolumeMount vm : c.getVolumeMounts()) {
            if (vm.getReadOnly() == null || !vm.getReadOnly()) {
                assertTrue(Set.of("/tmp", "/app/data").contains(vm.getMountPath()), "writable mount " + vm.getMountPath());
            }
        }
        assertTrue(c.getVolumeMounts().stream().anyMatch(vm -> vm.getMountPath().equals("/tmp")),
                "a writable /tmp beside the read-only root");
    }

    /** The hint is on the workload (where the inventory reads hints), not on the pod template. */
    static void optOut(Workload w) {
        Map<String, String> a = w.object().getMetadata().getAnnotations();
        assertNotNull(a, "workload annotations");
        assertEquals("false", a.get(OPT_OUT), "Safe Updater opts itself out on the workload");
        Map<String, String> podA = w.template().getMetadata().getAnnotations();
        assertTrue(podA == null || !podA.containsKey(OPT_OUT), "not on the pod template, where nothing reads it");
    }

    static void probes(Container c) {
        assertPath(c.getReadinessProbe(), "/observe/health/ready", c);
        assertPath(c.getLivenessProbe(), "/observe/health/live", c);
        if (c.getStartupProbe() != null) {
            assertPath(c.getStartupProbe(), "/observe/health/live", c);
        }
    }

    private static void assertPath(Probe p, String path, Container c) {
        assertNotNull(p, "probe for " + path);
        HTTPGetAction get = p.getHttpGet();
        assertEquals(path, get.getPath());
        String port = get.getPort().getStrVal();
        assertTrue(c.getPorts().stream().anyMatch(cp -> cp.getName().equals(port) && cp.getContainerPort() == 8080),
                "the probe's port " + port + " is the container's 8080");
    }

    static void service(Manifests m, Workload w) {
        Service s = m.one(Service.class);
        Map<String, String> labels = w.template().getMetadata().getLabels();
        s.getSpec().getSelector().forEach((k, v) -> assertEquals(v, labels.get(k), "the Service selects the pods: " + k));
        assertEquals("http", s.getSpec().getPorts().get(0).getTargetPort().getStrVal());
    }

    /** Every SAFE_UPDATER_* variable is a setting the server knows; the database comes from a Secret or a volume. */
    static void env(Container c, Mode mode, Db db) {
        Set<String> known = Settings.KEYS.stream().map(Settings.Key::env).collect(Collectors.toSet());
        Map<String, EnvVar> env = new TreeMap<>();
        for (EnvVar e : c.getEnv()) {
            assertTrue(env.put(e.getName(), e) == null, "set twice: " + e.getName());
            if (e.getName().startsWith("SAFE_UPDATER_")) {
                assertTrue(known.contains(e.getName()),
                        "not a setting of the server: " + e.getName());
            }
        }
        if (db == Db.POSTGRES) {
            for (String k : List.of("SAFE_UPDATER_DB_URL", "SAFE_UPDATER_DB_USER", "SAFE_UPDATER_DB_PASSWORD")) {
                EnvVar e = env.get(k);
                assertNotNull(e, k);
                assertTrue(e.getValue() == null && e.getValueFrom().getSecretKeyRef() != null, k + " from a Secret");
            }
        } else {
            assertEquals("jdbc:h2:file:/app/data/safe-updater", env.get("SAFE_UPDATER_DB_URL").getValue());
            assertFalse(env.containsKey("SAFE_UPDATER_DB_PASSWORD"));
            assertTrue(c.getVolumeMounts().stream().anyMatch(vm -> vm.getMountPath().equals("/app/data")),
                    "the embedded database lives on a volume");
        }
        if (mode == Mode.SERVER) {
            boolean tokens = env.containsKey("SAFE_UPDATER_AUTH_TOKENS_FILE");
            boolean disabled = env.containsKey("SAFE_UPDATER_AUTH_DISABLED");
            assertTrue(tokens || disabled, "a server beyond loopback needs API tokens (or auth explicitly disabled)");
            if (tokens) {
                assertUnderMount(c, env.get("SAFE_UPDATER_AUTH_TOKENS_FILE").getValue(), "tokens file");
            }
        }
        assertUnderMount(c, env.get("SAFE_UPDATER_INVENTORY_FILE").getValue(), "inventory file");
        assertUnderMount(c, env.get("SAFE_UPDATER_RULES_DIR").getValue() + "/x.drl", "rules directory");
        assertUnderMount(c, env.get("SAFE_UPDATER_POLICIES_DIR").getValue() + "/x.yaml", "policies directory");
    }

    private static void assertUnderMount(Container c, String file, String what) {
        assertTrue(c.getVolumeMounts().stream().anyMatch(vm -> file.startsWith(vm.getMountPath() + "/")),
                what + " " + file + " is on a mounted volume");
    }

    /** Egress: DNS, the API server, the database (PostgreSQL), registries; ingress only to a server's port. */
    static void networkPolicy(Manifests m, Workload w, Mode mode, Db db) {
        NetworkPolicy np = m.one(NetworkPolicy.class);
        Map<String, String> labels = w.template().getMetadata().getLabels();
        np.getSpec().getPodSelector().getMatchLabels().forEach((k, v) -> assertEquals(v, labels.get(k),
                "the NetworkPolicy selects the pods: " + k));
        assertEquals(List.of("Ingress", "Egress"), np.getSpec().getPolicyTypes());
        Set<String> egress = new TreeSet<>();
        for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
            for (NetworkPolicyPort p : r.getPorts()) {
                egress.add(p.getProtocol() + "/" + p.getPort().getIntVal());
            }
        }
        for (String needed : List.of("UDP/53", "TCP/53", "TCP/443", "TCP/6443")) {
            assertTrue(egress.contains(needed), "egress " + needed + " in " + egress);
        }
        assertEquals(db == Db.POSTGRES, egress.contains("TCP/5432"), "egress to the database only with PostgreSQL: "
                + egress);
        var ingress = np.getSpec().getIngress();
        if (mode == Mode.SERVER) {
            assertEquals(1, ingress.size());
            assertEquals(8080, ingress.get(0).getPorts().get(0).getPort().getIntVal());
        } else {
            assertTrue(ingress == null || ingress.isEmpty(), "nothing connects to a run-once job");
        }
    }

    /** The ConfigMap a pod volume names, with the files the server reads from it. */
    static ConfigMap configMap(Manifests m, Workload w, String volume) {
        Volume v = w.pod().getVolumes().stream().filter(x -> x.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + volume));
        String name = v.getConfigMap().getName();
        return m.named(ConfigMap.class, name).orElseThrow(() -> new AssertionError("ConfigMap " + name + " not rendered"));
    }

    /** The rendered inventory file loads with the server's own loader: returns its sources. */
    static List<InventorySource> inventory(Manifests m, Workload w, Path scratch) {
        ConfigMap cm = configMap(m, w, "inventory");
        String file = cm.getData().get("inventory.yaml");
        assertNotNull(file, "key inventory.yaml in " + cm.getMetadata().getName());
        try {
            Path p = Files.createTempFile(scratch, "inventory", ".yaml");
            Files.writeString(p, file);
            return InventoryConfig.load(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The rule and policy files the ConfigMaps carry (file name → content). */
    static Map<String, String> files(Manifests m, Workload w, String volume) {
        return new TreeMap<>(configMap(m, w, volume).getData());
    }

    /** {@code group/resource:verb} strings, for expected permission sets. */
    static Set<String> perms(String... p) {
        return new TreeSet<>(List.of(p));
    }

    /** Read-only inventory permissions for the four kinds, and pods (running digests). */
    static List<String> readOnly() {
        List<String> p = new ArrayList<>();
        for (String r : List.of("apps/deployments", "apps/statefulsets", "apps/daemonsets", "batch/cronjobs")) {
            p.add(r + ":list");
            p.add(r + ":watch");
        }
        p.add("core/pods:list");
        return p;
    }
}
