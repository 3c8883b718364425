import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The policy owner's edit-test loop as they live it: {@code safe-updater policy test --watch} runs as its own process
 * (the product path: the jar, the CLI, the watcher) over a copy of the shipped rules, policies and test cases; the
 * benchmark saves a file and measures until the re-run's report line appears on the process's output. Edits rotate
 * over the rule file (the set is compiled again), a policy file and the test file (the compiled rules are reused);
 * each appends a comment, so every save is a real change. The headline is the median over all saves; each kind of
 * file is shown apart (with the CPU the process spent per save, which does not depend on what else the machine
 * runs), and so is the first report (process start, cold compiler). Usage: PolicyWatchBench.java JAVA JAR RULES POLICIES [SAVES]
 * [JVM_OPTS...]
 */
public class PolicyWatchBench {
    public static void main(String[] args) throws Exception {
        String java = args[0];
        Path jar = Path.of(args[1]);
        int saves = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        Path work = Files.createTempDirectory("bench-watch");
        Process p = null;
        try {
            Path rules = copy(Path.of(args[2]), work.resolve("rules"));
            Path policies = copy(Path.of(args[3]), work.resolve("policies"));
            List<String> cmd = new ArrayList<>(List.of(java));
            for (int i = 5; i < args.length; i++) {
                cmd.add(args[i]);
            }
            cmd.addAll(List.of("-jar", jar.toString(), "policy", "test", "--watch", "--rules", rules.toString(),
                    "--policies", policies.toString(), "--log-level", "WARN"));
            long launched = System.nanoTime();
            p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
            BlockingQueue<String> reports = new LinkedBlockingQueue<>();
            List<String> summaries = new ArrayList<>();
            Process proc = p;
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    String summary = null;
                    while ((line = r.readLine()) != null) {
                        if (line.matches("\\d+ cases?: .*")) {
                            summary = line;
                        } else if (line.startsWith("-- ") && line.contains("ran in")) {
                            synchronized (summaries) {
                                summaries.add(summary);
                            }
                            reports.add(line);
                        }
                    }
                } catch (java.io.IOException e) {
                    // process ended
                }
            });
            String first = reports.poll(120, TimeUnit.SECONDS);
            if (first == null) {
                throw new IllegalStateException("no first report within 120 s");
            }
            System.out.printf("first report (launch, cold): %.0f ms  [%s]%n", (System.nanoTime() - launched) / 1e6,
                    summaries.getLast());
            Thread.sleep(3000); // an owner reads the first report before the first save; the compiler warms meanwhile
            List<Path> files = List.of(rules.resolve("default.drl"), policies.resolve("production.yaml"),
                    policies.resolve("tests/shipped-rules.yaml"));
            List<Double> all = new ArrayList<>();
            List<List<Double>> byFile = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            List<List<Double>> cpuByFile = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            ProcessHandle handle = p.toHandle();
            for (int i = 0; i < saves; i++) {
                int f = i % files.size();
                Path file = files.get(f);
                String comment = file.toString().endsWith(".drl") ? "// save " + i + "\n" : "# save " + i + "\n";
                reports.clear();
                long cpu = cpuMillis(handle);
                long t = System.nanoTime();
                Files.writeString(file, Files.readString(file) + comment);
                String report = reports.poll(30, TimeUnit.SECONDS);
                if (report == null) {
                    throw new IllegalStateException("no report within 30 s of saving " + file.getFileName());
                }
                double ms = (System.nanoTime() - t) / 1e6;
                all.add(ms);
                byFile.get(f).add(ms);
                cpuByFile.get(f).add((double) (cpuMillis(handle) - cpu));
                String summary;
                synchronized (summaries) {
                    summary = summaries.getLast();
                }
                if (summary == null || !summary.endsWith(" 0 failed, 0 errors")) {
                    throw new IllegalStateException("the shipped cases did not pass after a save: " + summary);
                }
                Thread.sleep(300);
            }
            System.out.printf("saves: %d, %s%n", saves, summaries.getLast());
            for (int f = 0; f < files.size(); f++) {
                System.out.printf("  %-20s median %.0f ms, max %.0f ms (the process used %.0f ms of CPU per save,"
                                + " median)%n", files.get(f).getFileName(), median(byFile.get(f)),
                        byFile.get(f).stream().mapToDouble(d -> d).max().orElse(0), median(cpuByFile.get(f)));
            }
            System.out.printf("all saves: %s ms%n", all.stream().map(d -> String.format("%.0f", d)).toList());
            System.out.printf("policy-watch: %.0f ms%n", median(all));
            reader.interrupt();
        } finally {
            if (p != null) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    /** CPU time the watching process has used, all its threads (JIT and GC included). */
    private static long cpuMillis(ProcessHandle h) {
        return h.info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(0L);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    private static Path copy(Path from, Path to) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path src : walk.toList()) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst);
                }
            }
        }
        return to;
    }
}
