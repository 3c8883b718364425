package dev.safeupdater.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real command-line tool the deploy tests run: helm, kubectl (kustomize), promtool, docker. bin/test provides them
 * (bin/infra/helm.sh, tools.sh, docker.sh) and exports where they are.
 */
record Tool(String path) {
    /** What a run printed and how it ended. */
    record Result(int exit, String out, String err) {
        Result ok(List<String> cmd) {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", cmd) + " exited " + exit + ":\n" + err + "\n" + out);
            }
            return this;
        }
    }

    /** The tool bin/test exported as {@code variable}, or a failure saying how to get it. */
    static Tool fromEnv(String variable, String script) {
        String p = System.getenv(variable);
        if (p == null || p.isBlank() || !Files.isExecutable(Path.of(p))) {
            throw new IllegalStateException(variable + " is not set (or not executable): run the tests through bin/test,"
                    + " which provides it (bin/infra/" + script + ")");
        }
        return new Tool(p);
    }

    static Tool helm() {
        return fromEnv("SAFE_UPDATER_TEST_HELM", "helm.sh");
    }

    static Tool kubectl() {
        return fromEnv("SAFE_UPDATER_TEST_KUBECTL", "helm.sh");
    }

    static Tool promtool() {
        return fromEnv("SAFE_UPDATER_TEST_PROMTOOL", "tools.sh");
    }

    /** Runs the tool with {@code args}; standard output and error are kept apart. */
    Result run(Path dir, Map<String, String> env, long timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(path);
        cmd.addAll(List.of(args));
        return exec(cmd, dir, env, timeoutSeconds);
    }

    Result run(String... args) {
        return run(null, Map.of(), 120, args);
    }

    /** Runs the tool and fails the test when it does not exit 0. */
    Result ok(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(path);
        cmd.addAll(List.of(args));
        return exec(cmd, null, Map.of(), 120).ok(cmd);
    }

    static Result exec(List<String> cmd, Path dir, Map<String, String> env, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("tool", ".out");
            Path err = Files.createTempFile("tool", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
                if (dir != null) {
                    pb.directory(dir.toFile());
                }
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd, e);
        }
    }
}
