package dev.safeupdater.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.safeupdater.testing.TestPaths;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the Grafana dashboard: checked and unit-tested by the real promtool (Prometheus 2.42, Debian),
 * every query valid PromQL over metrics the server documents, the kustomize copies the same as the chart's files.
 */
class MonitoringTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ALERTS = HelmChartTest.CHART.resolve("files/alerts.yaml");
    static final Path DASHBOARD = HelmChartTest.CHART.resolve("files/dashboard.json");
    static final Path MONITORING = TestPaths.repoRoot().resolve("deploy/kubernetes/components/monitoring");

    /**
     * Metrics the alerts and dashboard use that the README's safe_updater_* list cannot name: the JVM's own (listed in
     * the README by their usual names) and kube-state-metrics' (not ours).
     */
    static final Set<String> METRICS_FROM_ELSEWHERE = Set.of("jvm_memory_used_bytes", "kube_job_status_failed");

    private static final Pattern METRIC = Pattern.compile("\\b((?:safe_updater|jvm|kube)_[a-z0-9_]+)\\b");

    @TempDir
    Path tmp;

    /**
     * A real server's scrape (its own process, so nothing else registered meters first): passes
     * {@code promtool check metrics}; every safe_updater_* metric the README documents is there from the start,
     * durations are histograms with buckets, the JVM and process meters are there under their usual names, and no
     * meter carries the meaningless {@code scope} label; after a rules reload the active-set gauge shows the new
     * revisions only (Helidon removes the replaced gauge by its id, which a dropped-on-the-way-out label would break).
     */
    @Test
    void aRealScrapePassesPromtoolAndHasEveryDocumentedMetricFromTheStart() throws Exception {
        Files.writeString(tmp.resolve("assets.yaml"), "assets:\n  - {kind: Appliance, name: edge, image: nginx, tag: 1.25.3}\n");
        Files.writeString(tmp.resolve("inventory.yaml"), "sources:\n  - {name: edge, type: static, file: assets.yaml}\n");
        Path rules = copyTree(TestPaths.rules(), tmp.resolve("rules"));
        Path policies = copyTree(TestPaths.policies(), tmp.resolve("policies"));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                "dev.safeupdater.app.Main", "serve", "--port", "0", "--rules", rules.toString(),
                "--policies", policies.toString(), "--db-url", "jdbc:h2:mem:scrape;DB_CLOSE_DELAY=-1");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().put("SAFE_UPDATER_INVENTORY_FILE", tmp.resolve("inventory.yaml").toString());
        Process p = pb.start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, "serve started");
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep the pipe drained
            var http = new dev.safeupdater.testing.Http(port);
            String fresh = http.get("/observe/metrics").body();
            Set<String> missing = new TreeSet<>(documentedMetrics());
            missing.removeIf(name -> Pattern.compile("(?m)^" + name + "(_total|_bucket|_count|_sum)?[{ ]").matcher(fresh).find());
            assertEquals(Set.of(), missing, "documented metrics absent from a fresh server's scrape");
            assertFalse(fresh.contains("scope=\""), "no scope label:\n" + fresh);
            for (String series : List.of("safe_updater_http_request_seconds_count{method=\"POST\",route=\"/api/v1/cycles\",status=\"200\",} 0.0",
                    "safe_updater_registry_requests_total{registry=\"docker.io\",status=\"error\",} 0.0",
                    "safe_updater_assets_tracked{kind=\"Deployment\",source=\"kubernetes\",} 0.0",
                    "safe_updater_scans_total{source=\"edge\",status=\"FAILED\",} 0.0")) {
                assertTrue(fresh.contains(series), "a fresh scrape has " + series + ":\n" + fresh);
            }
            List<String> info = activeInfo(fresh);
            assertEquals(1, info.size(), fresh);

            // a reload replaces the active-set gauge: only the new revisions are left
            String before = http.get("/api/v1/rules").json().get("active").get("policyRevision").asText();
            try (var files = Files.list(policies)) {
                Path policy = files.filter(f -> f.toString().endsWith(".yaml")).sorted().findFirst().orElseThrow();
                Files.writeString(policy, Files.readString(policy) + "\n# edited\n");
            }
            var reloaded = http.postJson("/api/v1/rules/reload", "{}");
            assertEquals(200, reloaded.status(), reloaded.body());
            String after = reloaded.json().get("active").get("policyRevision").asText();
            assertNotEquals(before, after);
            info = activeInfo(http.get("/observe/metrics").body());
            assertEquals(1, info.size(), "only the active revisions: " + info);
            assertTrue(info.getFirst().contains("policy_revision=\"" + after + "\""), info.toString());

            assertEquals(201, http.postJson("/api/v1/scan", "{}").status());
            assertEquals(200, http.postJson("/api/v1/evaluate", "{\"image\": \"nginx\", \"currentTag\": \"1.25.3\","
                    + " \"candidateTag\": \"1.25.4\", \"namespace\": \"shop\", \"kind\": \"Deployment\","
                    + " \"name\": \"web\"}").status());
            String scrape = http.get("/observe/metrics").body();
            Path file = tmp.resolve("scrape.txt");
            Files.writeString(file, scrape);
            Tool.Result r = Tool.exec(List.of("sh", "-c", "\"$0\" check metrics < \"$1\"", Tool.promtool().path(),
                    file.toString()), null, Map.of(), 60);
            assertEquals(0, r.exit(), "promtool check metrics:\n" + r.out() + r.err());
            for (String series : List.of("safe_updater_http_request_seconds_bucket{", "safe_updater_scan_duration_seconds_bucket{",
                    "jvm_memory_used_bytes{", "jvm_gc_pause_seconds_total{", "jvm_gc_collections_total{", "jvm_threads_live_threads", "process_cpu_usage",
                    "process_cpu_seconds_total", "process_files_open_files", "process_uptime_seconds",
                    "process_start_time_seconds", "safe_updater_assets_tracked{")) {
                assertTrue(scrape.contains(series), "the scrape has " + series);
            }
            assertFalse(scrape.contains("scope=\""), "no scope label:\n" + scrape);
            assertTrue(scrape.contains("# TYPE safe_updater_scan_duration_seconds histogram"), "a histogram");
            assertTrue(scrape.contains("# TYPE safe_updater_http_request_seconds histogram"), "a histogram");
        } finally {
            p.destroy();
            p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void alertRulesPassPromtoolCheck() throws IOException {
        promtoolCheckRules(Files.readString(ALERTS), tmp);
    }

    @Test
    void alertsFireOnIncidentsAndStayQuietOtherwise() throws IOException {
        Files.copy(ALERTS, tmp.resolve("alerts.yaml"));
        try (var in = MonitoringTest.class.getResourceAsStream("/deploy/alerts-test.yaml")) {
            assertNotNull(in, "alerts-test.yaml on the test class path");
            Files.write(tmp.resolve("alerts-test.yaml"), in.readAllBytes());
        }
        Tool.Result r = Tool.promtool().run(tmp, Map.of(), 120, "test", "rules", "alerts-test.yaml");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("SUCCESS"), r.out());
        // every alert has a unit test case
        String tests = Files.readString(tmp.resolve("alerts-test.yaml"));
        for (String alert : alertNames(YAML.readTree(ALERTS.toFile()))) {
            assertTrue(tests.contains("alertname: " + alert), "no promtool test case for " + alert);
        }
    }

    @Test
    void everyAlertSaysWhatHappenedAndWhereToLook() throws IOException {
        JsonNode file = YAML.readTree(ALERTS.toFile());
        List<String> names = alertNames(file);
        assertTrue(names.containsAll(List.of("SafeUpdaterUpdateFailureRateHigh", "SafeUpdaterRollbackOccurred",
                "SafeUpdaterRuleSetRefused", "SafeUpdaterScansFailing", "SafeUpdaterCyclesFailing",
                "SafeUpdaterPendingUpdatesStuck")), names.toString());
        for (JsonNode g : file.path("groups")) {
            for (JsonNode r : g.path("rules")) {
                String name = r.path("alert").asText();
                assertFalse(r.path("labels").path("severity").asText().isEmpty(), name + " has a severity");
                assertFalse(r.path("annotations").path("summary").asText().isEmpty(), name + " has a summary");
                assertFalse(r.path("annotations").path("description").asText().isEmpty(), name + " has a description");
            }
        }
    }

    @Test
    void kustomizeCopiesAreTheChartsFiles() throws IOException {
        JsonNode rule = YAML.readTree(MONITORING.resolve("prometheusrule.yaml").toFile());
        assertEquals("PrometheusRule", rule.path("kind").asText());
        assertEquals(YAML.readTree(ALERTS.toFile()), rule.path("spec"),
                "components/monitoring/prometheusrule.yaml's spec is files/alerts.yaml of the chart");
        assertEquals(Files.readString(DASHBOARD), Files.readString(MONITORING.resolve("safe-updater-dashboard.json")),
                "components/monitoring/safe-updater-dashboard.json is the chart's files/dashboard.json");
    }

    @Test
    void alertsUseOnlyMetricsTheServerDocuments() throws IOException {
        Set<String> unknown = unknownMetrics(Files.readString(ALERTS));
        assertTrue(unknown.isEmpty(), "alerts use metrics nobody exports: " + unknown);
    }

    @Test
    void dashboardQueriesAreValidPromqlOverDocumentedMetrics() throws IOException {
        JsonNode dash = JSON.readTree(DASHBOARD.toFile());
        assertEquals("safe-updater", dash.path("uid").asText());
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode p : dash.path("panels")) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals("${datasource}", p.path("datasource").path("uid").asText(), p.path("title") + " data source");
            for (JsonNode t : p.path("targets")) {
                queries.put(p.path("title").asText() + " " + t.path("refId").asText(), t.path("expr").asText());
            }
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            String q = v.path("definition").asText("");
            Matcher m = Pattern.compile("label_values\\(([^,]+),").matcher(q);
            if (m.find()) {
                queries.put("variable " + v.path("name").asText(), m.group(1).strip());
            }
        }
        assertTrue(queries.size() >= 25, "the dashboard covers the metrics: " + queries.size() + " queries");
        // promtool parses every query (Grafana's variables replaced by what Grafana would send)
        ObjectNode file = YAML.createObjectNode();
        ArrayNode rules = file.putArray("groups").addObject().put("name", "dashboard").putArray("rules");
        int i = 0;
        for (String q : queries.values()) {
            rules.addObject().put("record", "dashboard:query" + i++).put("expr",
                    q.replace("$__rate_interval", "5m").replace("$namespace", ".*"));
        }
        promtoolCheckRules(YAML.writeValueAsString(file), tmp);
        Set<String> unknown = unknownMetrics(String.join("\n", queries.values()));
        assertTrue(unknown.isEmpty(), "the dashboard shows metrics nobody exports: " + unknown);
        // every metric the README documents is on the dashboard
        Set<String> shown = new TreeSet<>();
        Matcher m = METRIC.matcher(String.join("\n", queries.values()));
        while (m.find()) {
            shown.add(base(m.group(1)));
        }
        Set<String> missing = new TreeSet<>(documentedMetrics());
        missing.removeAll(shown);
        missing.remove("safe_updater_policy_active_info");
        missing.remove("safe_updater_policy_scopes");
        assertTrue(missing.isEmpty(), "documented metrics the dashboard does not show: " + missing);
    }

    private static List<String> activeInfo(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("safe_updater_policy_active_info{")).toList();
    }

    /** Copies directory {@code from} (with its subdirectories) to {@code to}. */
    private static Path copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path f : paths.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    /** The safe_updater_* names the README's "Logs and metrics" section documents. */
    static Set<String> documentedMetrics() throws IOException {
        String readme = Files.readString(TestPaths.repoRoot().resolve("README.md"));
        int start = readme.indexOf("## Logs and metrics");
        assertTrue(start >= 0, "README has a Logs and metrics section");
        int end = readme.indexOf("\n## ", start + 5);
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("safe_updater_[a-z0-9_]+").matcher(readme.substring(start, end < 0 ? readme.length() : end));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Names in {@code text} that are neither documented nor the JVM's or kube-state-metrics'. */
    static Set<String> unknownMetrics(String text) throws IOException {
        Set<String> known = new TreeSet<>(documentedMetrics());
        known.addAll(METRICS_FROM_ELSEWHERE);
        Set<String> unknown = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (!known.contains(name) && !known.contains(base(name))) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    /** A histogram's series name without its _bucket/_count/_sum suffix. */
    static String base(String series) {
        return series.replaceFirst("_(bucket|count|sum)$", "");
    }

    static List<String> alertNames(JsonNode ruleFile) {
        List<String> names = new ArrayList<>();
        for (JsonNode g : ruleFile.path("groups")) {
            for (JsonNode r : g.path("rules")) {
                if (r.has("alert")) {
                    names.add(r.path("alert").asText());
                }
            }
        }
        return names;
    }

    static List<String> alertNames(GenericKubernetesResource prometheusRule) throws IOException {
        return alertNames(YAML.readTree(spec(prometheusRule)));
    }

    /** A PrometheusRule's spec as a rule file. */
    static String spec(GenericKubernetesResource prometheusRule) throws IOException {
        Object spec = prometheusRule.getAdditionalProperties().get("spec");
        assertNotNull(spec, "PrometheusRule has a spec");
        return YAML.writeValueAsString(spec);
    }

    /** promtool check rules on a rule file: must pass. */
    static void promtoolCheckRules(String ruleFile, Path tmp) throws IOException {
        Path f = Files.createTempFile(tmp, "rules", ".yaml");
        Files.writeString(f, ruleFile);
        Tool.Result r = Tool.promtool().run(null, Map.of(), 60, "check", "rules", f.toString());
        assertEquals(0, r.exit(), "promtool check rules:\n" + r.out() + r.err() + "\n" + ruleFile);
        assertTrue(r.out().contains("SUCCESS"), r.out());
    }
}
