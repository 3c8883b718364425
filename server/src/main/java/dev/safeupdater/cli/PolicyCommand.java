package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.execution.PolicyService;
import dev.safeupdater.execution.Services;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicyTestReport;
import dev.safeupdater.policy.RuleMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code policy check} and {@code policy test}: tools for policy owners and their CI. */
@Command(name = "policy", description = "Check and test rules (rules/*.drl) and policy scopes (policies/*.yaml).",
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Test.class})
final class PolicyCommand implements Runnable {
    /** Exit code when the set has problems or a test case fails. */
    static final int EXIT_FAILED = 1;

    @Spec
    CommandSpec spec;

    private final Launcher launcher;

    PolicyCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static ObjectMapper json() {
        return new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    @Command(name = "check", description = {"Compile every rule file and validate every policy file, as activation"
            + " would; print problems as file:line:column: message.", "Exit 0 when the set is good, 1 otherwise."})
    static final class Check implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        PolicyCommand parent;

        @Mixin
        CommonOptions common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Launcher.LaunchException {
            Services services = parent.launcher.open(common.flags(), false, false);
            PolicyService.CheckResult result = services.policyAdmin().check();
            PrintWriter out = spec.commandLine().getOut();
            if (!result.ok()) {
                PrintWriter err = spec.commandLine().getErr();
                result.problems().forEach(m -> err.println(m));
                err.println(result.problems().size() + " problem" + (result.problems().size() == 1 ? "" : "s")
                        + "; this set would be refused");
                err.flush();
                return EXIT_FAILED;
            }
            PolicySnapshot s = result.set();
            out.printf("OK: %d rules in %d file(s) (revision %s), %d scopes in %d file(s) (revision %s)%s%n",
                    s.rules().ruleNames().size(), s.rules().files().size(), s.rules().revision().substring(0, 12),
                    s.policies().scopes().size(), s.policies().files().size(),
                    s.policies().revision().substring(0, 12),
                    s.rules().constraintJit() ? "" : "; constraint JIT off (a rule uses a custom operator)");
            out.flush();
            return 0;
        }
    }

    @Command(name = "test", description = {"Run the owner test cases (default: policies/tests/*.yaml) against the"
            + " rules and policies; print PASS/FAIL per case, a summary and the rules no case fired.",
            "Exit 0 when every case passes, 1 otherwise."})
    static final class Test implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        PolicyCommand parent;

        @Mixin
        CommonOptions common;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "DIR",
                description = "Directory of test case files (default: <policies>/tests).")
        Path dir;

        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "Output format.")
        String format;

        @Option(names = "--watch", description = "Keep running in this process: run the tests again whenever a rule,"
                + " policy or test file changes (Ctrl-C stops). The compiler stays warm, so a re-run takes a fraction"
                + " of a second.")
        boolean watch;

        @Option(names = "--debounce-ms", paramLabel = "MS", defaultValue = "100",
                description = "With --watch: how long files must be quiet before the tests run again (default 100).")
        int debounceMs;

        @Override
        public Integer call() throws Exception {
            if (!format.equals("text") && !format.equals("json")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--format must be text or json, not " + format);
            }
            if (debounceMs < 0 || debounceMs > 60_000) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--debounce-ms must be between 0 and 60000, not " + debounceMs);
            }
            Services services = parent.launcher.open(common.flags(), false, false);
            PrintWriter out = spec.commandLine().getOut();
            if (watch) {
                return watch(services, out);
            }
            PolicyTestReport report = services.policyAdmin().test(dir);
            render(out, report);
            return report.ok() ? 0 : EXIT_FAILED;
        }

        /** Runs the tests on every change until this thread is interrupted; exit code of the last run. */
        private int watch(Services services, PrintWriter out) throws Exception {
            java.util.concurrent.atomic.AtomicBoolean ok = new java.util.concurrent.atomic.AtomicBoolean();
            AutoCloseable watching = services.policyAdmin().watchTests(dir, java.time.Duration.ofMillis(debounceMs),
                    (report, took) -> {
                        synchronized (out) {
                            try {
                                render(out, report);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            out.printf("-- %s: ran in %d ms; watching for changes (Ctrl-C stops)%n",
                                    java.time.LocalTime.now().withNano(0), took.toMillis());
                            out.flush();
                        }
                        ok.set(report.ok());
                    });
            try (watching) { // watches until this thread is interrupted
                new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ok.get() ? 0 : EXIT_FAILED;
        }

        private void render(PrintWriter out, PolicyTestReport report) throws java.io.IOException {
            if (format.equals("json")) {
                out.println(json().writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } else {
                print(out, report);
            }
            out.flush();
        }

        static void print(PrintWriter out, PolicyTestReport r) {
            for (RuleMessage m : r.errors()) {
                out.println("ERROR " + m);
            }
            for (PolicyTestReport.CaseResult c : r.cases()) {
                out.printf("%-5s %s  %s%n", c.status(), c.location(), c.name());
                for (String d : c.differences()) {
                    out.println("      " + d);
                }
            }
            if (!r.uncoveredRules().isEmpty()) {
                out.println("Rules no case fired: " + String.join(", ", r.uncoveredRules()));
            } else if (!r.cases().isEmpty()) {
                out.println("Every rule was fired by some case.");
            }
            out.println(r.summary() + (r.cases().isEmpty() && r.errors().isEmpty() ? " (no test cases found)" : ""));
        }
    }
}
