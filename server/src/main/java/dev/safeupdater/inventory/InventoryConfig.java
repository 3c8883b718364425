package dev.safeupdater.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.safeupdater.platform.FileErrors;
import dev.safeupdater.platform.KubernetesConnection;

/**
 * The inventory sources file ({@code inventory.file}): a YAML list of sources, each with a unique {@code name} and a
 * {@code type} (kubernetes, docker, helm, static). docs/inventory.md describes every field. Loading checks everything
 * and reports all problems at once; it connects to nothing.
 */
public final class InventoryConfig {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final int DEFAULT_PAGE_SIZE = 500;

    private InventoryConfig() {
    }

    record Namespaces(List<String> include, List<String> exclude) {
    }

    record KubernetesSpec(String name, String type, String cluster, String kubeconfig, String context,
                          Boolean inCluster, Namespaces namespaces, String labelSelector, List<String> kinds,
                          Boolean initContainers, Boolean requireOptIn, Integer pageSize, Boolean watch,
                          Boolean pullSecrets, String requestTimeout, Integer retries, Boolean runningDigests) {
    }

    record DockerSpec(String name, String type, String engine, String host, Boolean tlsVerify, String certPath,
                      Map<String, String> labels, Boolean requireOptIn, Boolean includeStopped, String timeout) {
    }

    record HelmSpec(String name, String type, String cluster, String kubeconfig, String context, Boolean inCluster,
                    Namespaces namespaces, Map<String, String> chartSources, Integer pageSize, String requestTimeout,
                    Integer retries) {
    }

    record StaticSpec(String name, String type, String file) {
    }

    /** Reads {@code file}; throws {@link IllegalArgumentException} listing every problem. */
    public static List<InventorySource> load(Path file) {
        return load(file, null);
    }

    /**
     * Reads {@code file} like {@link #load(Path)}; Kubernetes sources read the digest their pods run for containers
     * on tags {@code mutableTag} accepts (the version stage's "not an exact version"), unless a source sets
     * {@code runningDigests: false}. {@code mutableTag} null: never.
     */
    public static List<InventorySource> load(Path file, java.util.function.Predicate<String> mutableTag) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.cannotRead("inventory file", file, e));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        JsonNode list = root.path("sources");
        root.fieldNames().forEachRemaining(f -> {
            if (!f.equals("sources")) {
                problems.add("unknown field \"" + f + "\" (the file has one field: sources)");
            }
        });
        if (!list.isMissingNode() && !list.isArray()) {
            problems.add("sources must be a list");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<InventorySource> sources = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> places = new HashSet<>();
        int i = 0;
        for (JsonNode node : list.isArray() ? list : YAML.createArrayNode()) {
            String at = "sources[" + i++ + "]";
            List<String> p = new ArrayList<>();
            String rawName = node.path("name").asText("");
            if (!rawName.isEmpty() && !names.add(rawName)) {
                p.add(at + ": name \"" + rawName + "\" is used twice");
            }
            InventorySource s = source(node, at, dir, p, mutableTag);
            if (s != null) {
                String place = place(s);
                if (place != null && !places.add(place)) {
                    p.add(at + ": another " + s.type() + " source already reports " + place.substring(place.indexOf(':') + 1)
                            + " (set a distinct cluster/engine name)");
                }
            }
            problems.addAll(p);
            if (p.isEmpty() && s != null) {
                sources.add(s);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        return List.copyOf(sources);
    }

    private static InventorySource source(JsonNode node, String at, Path dir, List<String> problems,
                                          java.util.function.Predicate<String> mutableTag) {
        if (!node.isObject()) {
            problems.add(at + ": must be a mapping");
            return null;
        }
        String type = node.path("type").asText("");
        try {
            return switch (type) {
                case "kubernetes" -> kubernetes(YAML.treeToValue(node, KubernetesSpec.class), at, dir, problems,
                        mutableTag);
                case "docker" -> docker(YAML.treeToValue(node, DockerSpec.class), at, dir, problems);
                case "helm" -> helm(YAML.treeToValue(node, HelmSpec.class), at, dir, problems);
                case "static" -> staticFile(YAML.treeToValue(node, StaticSpec.class), at, dir, problems);
                default -> {
                    problems.add(at + ".type: must be kubernetes, docker, helm or static"
                            + (type.isEmpty() ? "" : ", not \"" + type + "\""));
                    yield null;
                }
            };
        } catch (UnrecognizedPropertyException e) {
            problems.add(at + ": unknown field \"" + e.getPropertyName() + "\" for type " + type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            problems.add(at + ": " + e.getOriginalMessage());
        }
        return null;
    }

    private static KubernetesSource kubernetes(KubernetesSpec s, String at, Path dir, List<String> problems,
                                               java.util.function.Predicate<String> mutableTag) {
        String name = name(s.name(), at, problems);
        List<WorkloadKind> kinds = new ArrayList<>();
        for (String k : s.kinds() == null ? List.of("Deployment", "StatefulSet", "DaemonSet", "CronJob") : s.kinds()) {
            try {
                kinds.add(WorkloadKind.of(k));
            } catch (IllegalArgumentException e) {
                problems.add(at + ".kinds: " + e.getMessage());
            }
        }
        if (kinds.isEmpty() && problems.isEmpty()) {
            problems.add(at + ".kinds: must name at least one kind");
        }
        KubernetesConnection conn = connection(s.kubeconfig(), s.context(), s.inCluster(), s.requestTimeout(),
                s.retries(), at, dir, problems);
        NamespaceSelection ns = namespaces(s.namespaces(), at, problems);
        int pageSize = pageSize(s.pageSize(), at, problems);
        String selector = blankToNull(s.labelSelector());
        if (!problems.isEmpty()) {
            return null;
        }
        return new KubernetesSource(name, orDefault(s.cluster(), name), conn, ns, selector,
                kinds.stream().distinct().toList(), bool(s.initContainers(), false), bool(s.requireOptIn(), false),
                pageSize, bool(s.pullSecrets(), false), bool(s.watch(), false),
                bool(s.runningDigests(), true) ? mutableTag : null);
    }

    private static DockerSource docker(DockerSpec s, String at, Path dir, List<String> problems) {
        String name = name(s.name(), at, problems);
        String host = orDefault(s.host(), "unix:///var/run/docker.sock");
        if (!host.startsWith("unix://") && !host.startsWith("tcp://")) {
            problems.add(at + ".host: must be unix:///path/to/docker.sock or tcp://host:port, not \"" + host + "\"");
        }
        boolean tls = bool(s.tlsVerify(), false);
        Path certs = s.certPath() == null ? null : dir.resolve(s.certPath());
        if (tls && certs == null) {
            problems.add(at + ".certPath: is required with tlsVerify (a directory with ca.pem, cert.pem, key.pem)");
        }
        if (certs != null && !Files.isDirectory(certs)) {
            problems.add(at + ".certPath: " + certs + " is not a directory");
        }
        Duration timeout = duration(s.timeout(), Duration.ofSeconds(30), at + ".timeout", problems);
        if (!problems.isEmpty()) {
            return null;
        }
        return new DockerSource(name, orDefault(s.engine(), name), host, tls, certs,
                s.labels() == null ? Map.of() : s.labels(), bool(s.requireOptIn(), false),
                bool(s.includeStopped(), true), timeout);
    }

    private static HelmSource helm(HelmSpec s, String at, Path dir, List<String> problems) {
        String name = name(s.name(), at, problems);
        KubernetesConnection conn = connection(s.kubeconfig(), s.context(), s.inCluster(), s.requestTimeout(),
                s.retries(), at, dir, problems);
        NamespaceSelection ns = namespaces(s.namespaces(), at, problems);
        int pageSize = pageSize(s.pageSize(), at, problems);
        Map<String, String> sources = s.chartSources() == null ? Map.of() : s.chartSources();
        sources.forEach((chart, location) -> {
            if (location == null || HelmSource.chartLocation(location, "x") == null) {
                problems.add(at + ".chartSources." + chart + ": must be an oci://, http:// or https:// location");
            }
        });
        if (!problems.isEmpty()) {
            return null;
        }
        return new HelmSource(name, orDefault(s.cluster(), name), conn, ns, sources, pageSize);
    }

    private static StaticSource staticFile(StaticSpec s, String at, Path dir, List<String> problems) {
        String name = name(s.name(), at, problems);
        if (s.file() == null || s.file().isBlank()) {
            problems.add(at + ".file: is required (a YAML file of assets)");
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new StaticSource(name, dir.resolve(s.file()));
    }

    private static KubernetesConnection connection(String kubeconfig, String context, Boolean inCluster,
                                                   String timeout, Integer retries, String at, Path dir,
                                                   List<String> problems) {
        if (kubeconfig != null && bool(inCluster, false)) {
            problems.add(at + ": give kubeconfig or inCluster, not both");
        }
        if (retries != null && (retries < 0 || retries > 10)) {
            problems.add(at + ".retries: must be between 0 and 10");
        }
        Duration t = duration(timeout, Duration.ofSeconds(30), at + ".requestTimeout", problems);
        return new KubernetesConnection(kubeconfig == null ? null : dir.resolve(kubeconfig), blankToNull(context),
                bool(inCluster, false), t, retries == null ? 2 : retries);
    }

    private static NamespaceSelection namespaces(Namespaces n, String at, List<String> problems) {
        if (n == null) {
            return NamespaceSelection.all();
        }
        for (List<String> globs : new ArrayList<>(java.util.Arrays.asList(n.include(), n.exclude()))) {
            if (globs != null && globs.stream().anyMatch(g -> g == null || g.isBlank())) {
                problems.add(at + ".namespaces: empty pattern");
            }
        }
        return new NamespaceSelection(n.include(), n.exclude());
    }

    private static int pageSize(Integer pageSize, String at, List<String> problems) {
        int size = pageSize == null ? DEFAULT_PAGE_SIZE : pageSize;
        if (size < 1 || size > 5000) {
            problems.add(at + ".pageSize: must be between 1 and 5000");
        }
        return size;
    }

    private static String name(String name, String at, List<String> problems) {
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(at + ".name: is required: 1-64 lower-case letters, digits, '.', '_', '-'");
            return "";
        }
        return name;
    }

    /**
     * Parses {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, a bare number of seconds, or ISO-8601
     * ({@code PT15M}).
     */
    public static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration (e.g. 30s, 15m, 1h, PT15M)");
        }
    }

    private static Duration duration(String text, Duration dflt, String at, List<String> problems) {
        if (text == null) {
            return dflt;
        }
        try {
            Duration d = parseDuration(text);
            if (d.isZero() || d.isNegative()) {
                problems.add(at + ": must be positive");
            }
            return d;
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + e.getMessage());
            return dflt;
        }
    }

    /** {@code type:cluster} for sources that report one place; two such sources may not report the same place. */
    private static String place(InventorySource s) {
        return switch (s) {
            case KubernetesSource k -> "kubernetes:" + k.cluster();
            case HelmSource h -> "helm:" + h.cluster();
            case DockerSource d -> "docker:" + d.engine();
            default -> null;
        };
    }

    private static boolean bool(Boolean b, boolean dflt) {
        return b == null ? dflt : b;
    }

    private static String orDefault(String s, String dflt) {
        return s == null || s.isBlank() ? dflt : s.strip();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
