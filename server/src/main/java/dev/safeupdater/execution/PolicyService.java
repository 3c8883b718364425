package dev.safeupdater.execution;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.policy.DirectoryWatcher;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.PolicySnapshot;
import dev.safeupdater.policy.PolicySources;
import dev.safeupdater.policy.PolicyTestReport;
import dev.safeupdater.policy.RuleFile;
import dev.safeupdater.policy.RuleMessage;
import dev.safeupdater.policy.RuleSetException;
import dev.safeupdater.policy.ScopePolicy;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policy administration over the engine: activate the rule and policy set from its directories (at startup, on
 * {@code POST /api/v1/rules/reload}, when files change), with logs and metrics; report what is active and what was
 * last refused; check and test a set without activating it (the {@code policy} command).
 */
public final class PolicyService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.policy");

    private final PolicyEngine engine;
    private volatile DirectoryWatcher watcher;
    private volatile Notifier notifier = Notifier.NONE;

    /** The gauges describe this service's engine (a process has one; the newest service's gauges win). */
    public PolicyService(PolicyEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        gauge(Gauge.builder("safe_updater_policy_rules",
                        () -> engine.snapshot().map(s -> s.rules().ruleNames().size()).orElse(0))
                .description("Rules in the active rule set"));
        gauge(Gauge.builder("safe_updater_policy_scopes",
                        () -> engine.snapshot().map(s -> s.policies().scopes().size()).orElse(0))
                .description("Scopes in the active policy set"));
        gauge(Gauge.builder("safe_updater_policy_last_activation_seconds",
                        () -> engine.snapshot().map(s -> s.activatedAt().getEpochSecond()).orElse(0L))
                .description("When the active rule and policy set was activated (Unix time; 0: none yet)"));
        engine.snapshot().ifPresent(this::info);
    }

    private static void gauge(Gauge.Builder<?> builder) {
        MeterRegistry registry = Metrics.globalRegistry();
        for (var old : registry.meters(m -> m.id().name().equals(builder.name()))) {
            registry.remove(old);
        }
        registry.getOrCreate(builder);
    }

    public PolicyEngine engine() {
        return engine;
    }

    /**
     * Activates the set in the configured directories, or keeps the active one and throws with every problem found.
     * {@code trigger} says who asked (startup, api, watcher) in logs, metrics and status.
     */
    public PolicySnapshot reload(String trigger) throws RuleSetException {
        long start = System.nanoTime();
        try {
            PolicySnapshot s = engine.reload(trigger);
            counter("safe_updater_policy_activations", "Rule and policy sets activated", trigger).increment();
            info(s);
            LOG.atInfo().addKeyValue("event", "policy_activated").addKeyValue("trigger", trigger)
                    .addKeyValue("ruleset_revision", s.rules().revision())
                    .addKeyValue("policy_revision", s.policies().revision())
                    .addKeyValue("rules", s.rules().ruleNames().size())
                    .addKeyValue("scopes", s.policies().scopes().size())
                    .addKeyValue("constraint_jit", s.rules().constraintJit())
                    .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                    .log("rules {} and policies {} active ({} rules, {} scopes)", abbrev(s.rules().revision()),
                            abbrev(s.policies().revision()), s.rules().ruleNames().size(),
                            s.policies().scopes().size());
            return s;
        } catch (RuleSetException e) {
            counter("safe_updater_policy_activation_failures", "Rule and policy set activations refused", trigger)
                    .increment();
            LOG.atWarn().addKeyValue("event", "policy_refused").addKeyValue("trigger", trigger)
                    .addKeyValue("errors", e.messages().size())
                    .addKeyValue("active_ruleset_revision",
                            engine.snapshot().map(s -> s.rules().revision()).orElse(null))
                    .log("rule and policy set refused, the active set stays:\n{}", e.getMessage());
            announceLastRefusal();
            throw e;
        }
    }

    /** What is active and what was last refused. */
    public Status status() {
        Active active = engine.snapshot().map(Active::of).orElse(null);
        Failure failure = engine.lastFailure().map(f -> new Failure(f.at(), f.trigger(),
                f.messages().stream().map(RuleMessage::toString).toList(), f.messages())).orElse(null);
        PolicySources src = engine.sources().orElse(null);
        return new Status(active, failure, src == null ? null : new Sources(str(src.rulesDir()),
                str(src.policiesDir()), str(src.testsDir()), src.requireTests(), watcher != null));
    }

    /** The outcome of {@link #check}: the set that would be activated, or every problem found. */
    public record CheckResult(PolicySnapshot set, List<RuleMessage> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** Compiles and validates the configured rules and policies without activating them; owner tests not run. */
    public CheckResult check() {
        PolicySources s = sources();
        try {
            return new CheckResult(engine.build(new PolicySources(s.rulesDir(), s.policiesDir(), s.testsDir(),
                    false), "check"), List.of());
        } catch (RuleSetException e) {
            return new CheckResult(null, e.messages());
        }
    }

    /** Runs the owner test cases in {@code testsDir} (default: the configured one) against the configured set. */
    public PolicyTestReport test(Path testsDir) {
        PolicySources s = sources();
        Path dir = testsDir != null ? testsDir : s.testsDir();
        PolicySnapshot candidate;
        try {
            candidate = engine.build(new PolicySources(s.rulesDir(), s.policiesDir(), dir, false), "test");
        } catch (RuleSetException e) {
            return new PolicyTestReport(List.of(), e.messages(), List.of(),
                    new PolicyTestReport.Summary(0, 0, 0, e.messages().size()));
        }
        return engine.test(candidate.rules(), candidate.policies(), dir);
    }

    /** Reloads when files in the rules, policies or tests directory change, once they have been quiet for {@code debounce}. */
    public synchronized void watch(Duration debounce) throws IOException {
        if (watcher != null) {
            return;
        }
        PolicySources s = sources();
        List<Path> dirs = new ArrayList<>(List.of(s.rulesDir()));
        if (s.policiesDir() != null) {
            dirs.add(s.policiesDir());
        }
        if (s.testsDir() != null) {
            dirs.add(s.testsDir());
        }
        watcher = new DirectoryWatcher(dirs, debounce, () -> {
            try {
                reload("watcher");
            } catch (RuleSetException e) {
                // logged and counted by reload; the active set stays
            }
        }).start();
        LOG.atInfo().addKeyValue("event", "policy_watching").addKeyValue("dirs", dirs.toString())
                .addKeyValue("debounce_ms", debounce.toMillis()).log("watching {} for changes", dirs);
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    private PolicySources sources() {
        return engine.sources().orElseThrow(() -> new IllegalStateException("the policy engine has no sources"));
    }

    private void info(PolicySnapshot s) {
        synchronized (PolicyService.class) {
            gauge(Gauge.builder("safe_updater_policy_active_info", () -> 1)
                    .description("The active rule-set and policy revisions (value 1)")
                    .tags(Metrics.tags("ruleset_revision", s.rules().revision(), "policy_revision",
                            s.policies().revision())));
        }
    }

    private static Counter counter(String name, String description, String trigger) {
        return Metrics.globalRegistry().getOrCreate(Counter.builder(name).description(description)
                .tags(Metrics.tags("trigger", trigger)));
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }

    private static String abbrev(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision;
    }

    /** Status of the policy engine, as {@code GET /api/v1/rules} shows it. */
    public record Status(Active active, Failure lastFailure, Sources sources) {
    }

    /** Where the engine reads from. */
    public record Sources(String rulesDir, String policiesDir, String testsDir, boolean requireTests,
                          boolean watching) {
    }

    /** The last refused activation: when, who asked, and every problem ({@code file:line:column: message}). */
    public record Failure(Instant at, String trigger, List<String> errors, List<RuleMessage> details) {
    }

    /** The active set. {@code revision} is the rule-set revision (kept under this name for older clients). */
    public record Active(String revision, String rulesetRevision, String policyRevision, Instant activatedAt,
                         String trigger, List<RuleFile> files, List<String> rules, List<RuleFile> policyFiles,
                         List<ScopeView> scopes, boolean constraintJit, PolicyTestReport.Summary tests) {
        static Active of(PolicySnapshot s) {
            return new Active(s.rules().revision(), s.rules().revision(), s.policies().revision(), s.activatedAt(),
                    s.trigger(), s.rules().files(), s.rules().ruleNames(), s.policies().files(),
                    s.policies().scopes().stream().map(ScopeView::of).toList(), s.rules().constraintJit(), s.tests());
        }
    }

    /** A scope of the active policy set, in the order scopes are tried. */
    public record ScopeView(String name, String file, int line, int priority, String mode, String owner) {
        static ScopeView of(ScopePolicy p) {
            return new ScopeView(p.name(), p.file(), p.line(), p.priority(), p.mode().yamlName(), p.owner());
        }
    }

    /** Refused sets (API reload, file watcher) are announced to {@code notifier} (none by default). */
    public void notifyTo(Notifier notifier) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
    }

    /**
     * Publishes the last refused activation, if any, as a {@code ruleset-refused} notification (repeats of the same
     * errors within an hour are dropped by the queue). Called on every refusal, and once at startup for a set
     * refused before the notifier existed.
     */
    public void announceLastRefusal() {
        engine.lastFailure().ifPresent(f -> notifier.publish(NotificationEvent.ruleSetRefused(f.trigger(),
                f.messages().stream().map(RuleMessage::toString).toList(),
                engine.snapshot().map(s -> s.rules().revision()).orElse(null), f.at())));
    }
}
