import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The auditors' API over 1 M update runs (bench/history.sh loads them): each listing with typical filters, first
 * and deep pages (a deep page is the cursor a client holds after paging that far: keyset paging makes its cost the
 * first page's), timed one request at a time: p50 and p95 per query. Then the CSV export of 100 k rows and of all
 * 1 M runs: time, rows, and the server's peak heap while exporting (jstat of the server process every 50 ms).
 *
 * Usage: HistoryBench PORT SERVER_PID ITERATIONS
 */
public final class HistoryBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static String base;

    /** The cursor a client holds after paging down to {@code time} (lists are newest first by time, then id). */
    static String cursor(String kind, String time) {
        java.time.Instant t = java.time.Instant.parse(time);
        return Base64.getUrlEncoder().withoutPadding().encodeToString((kind + "@" + t.getEpochSecond() + "."
                + t.getNano() + ":" + Long.MAX_VALUE).getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws Exception {
        base = "http://127.0.0.1:" + args[0];
        long pid = Long.parseLong(args[1]);
        int iterations = Integer.parseInt(args[2]);
        String deepRun = cursor("run", "2025-08-10T00:00:00Z");
        String deepDecision = cursor("decision", "2025-09-20T00:00:00Z");
        String deepAudit = cursor("audit", "2025-10-15T00:00:00Z");
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("updates first page", "/api/v1/updates?limit=50");
        queries.put("updates namespace, deep page", "/api/v1/updates?namespace=ns-7&limit=50&cursor=" + deepRun);
        queries.put("updates state=rolled_back", "/api/v1/updates?state=rolled_back&limit=50");
        queries.put("updates state, deep page", "/api/v1/updates?state=failed&limit=50&cursor=" + deepRun);
        queries.put("updates image", "/api/v1/updates?image=registry.example.com/acme/svc-1234&limit=50");
        queries.put("updates scope+source, deep", "/api/v1/updates?scope=scope-3&source=docker&limit=50&cursor="
                + deepRun);
        queries.put("updates one day", "/api/v1/updates?from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z&limit=50");
        queries.put("update detail", "/api/v1/updates/500002");
        queries.put("decisions outcome=hold, deep", "/api/v1/decisions?outcome=hold&limit=50&cursor=" + deepDecision);
        queries.put("decisions rule fired", "/api/v1/decisions?rule=freeze&limit=50");
        queries.put("decisions namespace+actor", "/api/v1/decisions?namespace=ns-1&actor=api:alice&limit=50");
        queries.put("decisions image, deep", "/api/v1/decisions?image=registry.example.com/acme/svc-42&limit=50&cursor="
                + deepDecision);
        queries.put("audit actor, deep", "/api/v1/audit-events?actor=api:alice&limit=50&cursor=" + deepAudit);
        queries.put("audit action+range", "/api/v1/audit-events?action=asset.decide&from=2025-09-01T00:00:00Z"
                + "&to=2025-09-08T00:00:00Z&limit=50");

        System.out.printf("%-32s %8s %8s %8s %6s%n", "query", "p50 ms", "p95 ms", "max ms", "items");
        double worst = 0;
        for (var q : queries.entrySet()) {
            for (int i = 0; i < Math.max(30, iterations / 2); i++) { // warm-up: JIT, each pooled connection's prepared plan
                get(q.getValue());
            }
            long[] ns = new long[iterations];
            int items = 0;
            for (int i = 0; i < iterations; i++) {
                long t = System.nanoTime();
                String body = get(q.getValue());
                ns[i] = System.nanoTime() - t;
                if (i == 0) {
                    items = count(body);
                }
            }
            Arrays.sort(ns);
            double p50 = ns[iterations / 2] / 1e6;
            double p95 = ns[(int) Math.ceil(iterations * 0.95) - 1] / 1e6;
            worst = Math.max(worst, p95);
            System.out.printf("%-32s %8.1f %8.1f %8.1f %6d%n", q.getKey(), p50, p95, ns[iterations - 1] / 1e6, items);
        }

        System.out.println();
        export(pid, "CSV export ~100k (6 weeks)", "/api/v1/updates?from=2025-03-01T00:00:00Z&to=2025-04-11T16:00:00Z");
        export(pid, "CSV export all runs", "/api/v1/updates");
        System.out.printf("history: p95 %.1f ms%n", worst);
    }

    private static int count(String json) {
        int i = json.indexOf("\"items\":[");
        if (i < 0) {
            return json.startsWith("{") ? 1 : 0;
        }
        int n = 0;
        int depth = 0;
        for (int k = i + 9; k < json.length(); k++) {
            char c = json.charAt(k);
            if (c == '{') {
                if (depth == 0) {
                    n++;
                }
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == ']' && depth == 0) {
                break;
            }
        }
        return n;
    }

    private static String get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("X-Actor", "auditor").timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(path + " -> " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Heap used by the server now (young + old, KiB, garbage not yet collected included), from one jstat sample. */
    private static long heapKib(long pid) throws Exception {
        Process p = new ProcessBuilder("jstat", "-gc", Long.toString(pid)).redirectErrorStream(true).start();
        List<String> lines = new BufferedReader(new InputStreamReader(p.getInputStream())).lines().toList();
        p.waitFor();
        String[] head = lines.get(0).trim().split("\\s+");
        String[] vals = lines.get(1).trim().split("\\s+");
        double used = 0;
        for (int i = 0; i < head.length; i++) {
            if (List.of("S0U", "S1U", "EU", "OU").contains(head[i])) {
                used += Double.parseDouble(vals[i]);
            }
        }
        return (long) used;
    }

    private static void export(long pid, String name, String path) throws Exception {
        AtomicLong peak = new AtomicLong(heapKib(pid));
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!done.get()) {
                try {
                    peak.accumulateAndGet(heapKib(pid), Math::max);
                    Thread.sleep(50);
                } catch (Exception e) {
                    return;
                }
            }
        });
        long t = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", "text/csv").header("X-Actor", "auditor").timeout(Duration.ofMinutes(30)).GET()
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        long rows = 0;
        long bytes = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                bytes += n;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        rows++;
                    }
                }
            }
        }
        double s = (System.nanoTime() - t) / 1e9;
        done.set(true);
        sampler.join();
        if (r.statusCode() != 200) {
            throw new IllegalStateException(path + " -> " + r.statusCode());
        }
        System.out.printf("%-28s %,9d rows %7.1f MB in %5.1f s (%,.0f rows/s), server peak heap %5.1f MB%n", name,
                rows - 1, bytes / 1e6, s, (rows - 1) / s, peak.get() / 1024.0);
    }
}
