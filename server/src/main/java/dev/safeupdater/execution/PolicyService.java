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
import dev.safeupdater.store.RuleSetAuditStore;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policy administration over the engine: activate the rule and policy set from its directories (at startup, on
 * {@code POST /api/v1/rules/reload}, when files change), with logs and metrics; report what is active and what was
 * last refused; check and test a set without activating it (the {@code policy} command).
 */
public final class PolicyService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.policy");

    /** Audit events kept until the database is there (startup); more than this would mean it never comes. */
    private static final int MAX_PENDING_AUDIT = 16;
    private static final int MAX_AUDITED_ERRORS = 100;
    /** Compiles after the first test run of {@link #watchTests}, so the JVM has compiled the compiler's hot code. */
    private static final int WARM_UP_COMPILES = 8;

    private final PolicyEngine engine;
    private volatile DirectoryWatcher watcher;
    private volatile Notifier notifier = Notifier.NONE;
    private volatile RuleSetAuditStore audit;
    private final List<AuditEvent> pendingAudit = new ArrayList<>();

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
        MeterRegistry registry = Services.get(MeterRegistry.class);
        for (var old : registry.meters(m -> m.id().name().equals(builder.name()))) {
            registry.remove(old);
        }
        registry.getOrCreate(builder);
    }

    public PolicyEngine engine() {
        return engine;
    }

    /** The actor recorded for reloads nobody asked for over the API: {@code system:startup}, {@code system:watcher}. */
    public static String systemActor(String trigger) {
        return "system:" + trigger;
    }

    /**
     * Activates the set in the configured directories, or keeps the active one and throws with every problem found.
     * {@code trigger} says who asked (startup, api, watcher) in logs, metrics and status; {@code actor} who, in the
     * audit trail. Each activation and each refusal is counted, logged and audited ({@code ruleset.activate},
     * {@code ruleset.refuse}); a reload that finds the active set's files (or the files refused just before) again
     * is a no-op: not counted, logged at DEBUG only, not audited.
     */
    public PolicySnapshot reload(String trigger, String actor) throws RuleSetException {
        long start = System.nanoTime();
        PolicySnapshot before = engine.snapshot().orElse(null);
        try {
            PolicyEngine.Reload r = engine.reloadIfChanged(trigger);
            PolicySnapshot s = r.snapshot();
            if (!r.activated()) {
                LOG.atDebug().addKeyValue("event", "policy_unchanged").addKeyValue("trigger", trigger)
                        .addKeyValue("ruleset_revision", s.rules().revision())
                        .addKeyValue("policy_revision", s.policies().revision())
                        .log("rules {} and policies {} are active already; nothing to activate",
                                abbrev(s.rules().revision()), abbrev(s.policies().revision()));
                return s;
            }
            counter("safe_updater_policy_activations", "Rule and policy sets activated", trigger).increment();
            info(s);
            LOG.atInfo().addKeyValue("event", "policy_activated").addKeyValue("trigger", trigger)
                    .addKeyValue("actor", actor)
                    .addKeyValue("ruleset_revision", s.rules().revision())
                    .addKeyValue("policy_revision", s.policies().revision())
                    .addKeyValue("rules", s.rules().ruleNames().size())
                    .addKeyValue("scopes", s.policies().scopes().size())
                    .addKeyValue("constraint_jit", s.rules().constraintJit())
                    .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                    .log("rules {} and policies {} active ({} rules, {} scopes)", abbrev(s.rules().revision()),
                            abbrev(s.policies().revision()), s.rules().ruleNames().size(),
                            s.policies().scopes().size());
            audit(RuleSetAuditStore.ACTIVATE, actor, s.rules().revision(), activated(trigger, s, before));
            return s;
        } catch (RuleSetException e) {
            if (e.repeated()) {
                LOG.atDebug().addKeyValue("event", "policy_refused_again").addKeyValue("trigger", trigger)
                        .log("the files refused before are unchanged; refused again ({} problems)",
                                e.messages().size());
                throw e;
            }
            counter("safe_updater_policy_activation_failures", "Rule and policy set activations refused", trigger)
                    .increment();
            LOG.atWarn().addKeyValue("event", "policy_refused").addKeyValue("trigger", trigger)
                    .addKeyValue("actor", actor)
                    .addKeyValue("errors", e.messages().size())
                    .addKeyValue("active_ruleset_revision", before == null ? null : before.rules().revision())
                    .log("rule and policy set refused, the active set stays:\n{}", e.getMessage());
            announceLastRefusal();
            PolicyEngine.ActivationFailure f = engine.lastFailure().orElse(null);
            audit(RuleSetAuditStore.REFUSE, actor, f == null ? null : f.rulesetRevision(), refused(trigger, e, f,
                    before));
            throw e;
        }
    }

    /** Like {@link #reload(String, String)}, by the system ({@link #systemActor}). */
    public PolicySnapshot reload(String trigger) throws RuleSetException {
        return reload(trigger, systemActor(trigger));
    }

    /**
     * Writes the audit events of activations and refusals to {@code store} from now on, and those that happened
     * before it was attached (startup activates the rules while the database is still being migrated).
     */
    public void auditTo(RuleSetAuditStore store) {
        List<AuditEvent> backlog;
        synchronized (this) {
            audit = store;
            backlog = List.copyOf(pendingAudit);
            pendingAudit.clear();
        }
        backlog.forEach(this::write);
    }

    private record AuditEvent(java.time.Instant at, String actor, String action, String revision,
                              java.util.Map<String, Object> detail) {
    }

    private void audit(String action, String actor, String revision, java.util.Map<String, Object> detail) {
        AuditEvent event = new AuditEvent(java.time.Instant.now(), actor, action, revision, detail);
        synchronized (this) {
            if (audit == null) {
                if (pendingAudit.size() < MAX_PENDING_AUDIT) {
                    pendingAudit.add(event);
                }
                return;
            }
        }
        write(event);
    }

    private void write(AuditEvent e) {
        RuleSetAuditStore store = audit;
        try {
            store.append(e.at(), e.actor(), e.action(), e.revision(), e.detail());
        } catch (RuntimeException ex) {
            // the set is active (or refused) either way; the operator must know the trail has a gap
            LOG.atError().addKeyValue("event", "policy_audit_failed").addKeyValue("action", e.action())
                    .addKeyValue("actor", e.actor()).addKeyValue("ruleset_revision", e.revision())
                    .log("could not write the audit event {} by {}: {}", e.action(), e.actor(), ex.getMessage());
        }
    }

    private static java.util.Map<String, Object> activated(String trigger, PolicySnapshot s, PolicySnapshot before) {
        java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("trigger", trigger);
        d.put("rulesetRevision", s.rules().revision());
        d.put("policyRevision", s.policies().revision());
        d.put("previousRulesetRevision", before == null ? null : before.rules().revision());
        d.put("previousPolicyRevision", before == null ? null : before.policies().revision());
        d.put("ruleFiles", s.rules().files());
        d.put("policyFiles", s.policies().files());
        d.put("rules", s.rules().ruleNames().size());
        d.put("scopes", s.policies().scopes().size());
        d.put("tests", s.tests() == null ? null : s.tests().toString());
        return d;
    }

    private static java.util.Map<String, Object> refused(String trigger, RuleSetException e,
                                                         PolicyEngine.ActivationFailure f, PolicySnapshot before) {
        java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("trigger", trigger);
        d.put("rulesetRevision", f == null ? null : f.rulesetRevision());
        d.put("policyRevision", f == null ? null : f.policyRevision());
        d.put("activeRulesetRevision", before == null ? null : before.rules().revision());
        d.put("activePolicyRevision", before == null ? null : before.policies().revision());
        d.put("errorCount", e.messages().size());
        d.put("errors", e.messages().stream().limit(MAX_AUDITED_ERRORS).map(RuleMessage::toString).toList());
        return d;
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

    /**
     * Runs the owner tests now and again whenever a file in the rules, policies or tests directory changes (once they
     * have been quiet for {@code debounce}), handing each report to {@code onRun} with how long the run took. The
     * process stays warm: unchanged rule files are not compiled again, changed ones by an already warm compiler.
     * Close the result to stop watching.
     */
    public AutoCloseable watchTests(Path testsDir, Duration debounce,
                                    java.util.function.BiConsumer<PolicyTestReport, Duration> onRun)
            throws IOException {
        PolicySources s = sources();
        Path tests = testsDir != null ? testsDir : s.testsDir();
        Runnable run = () -> {
            long start = System.nanoTime();
            PolicyTestReport report = test(tests);
            onRun.accept(report, Duration.ofNanos(System.nanoTime() - start));
        };
        List<Path> dirs = new ArrayList<>(List.of(s.rulesDir()));
        if (s.policiesDir() != null) {
            dirs.add(s.policiesDir());
        }
        if (tests != null && !dirs.contains(tests)) {
            dirs.add(tests);
        }
        DirectoryWatcher w = new DirectoryWatcher(dirs, debounce, run); // changes from now on are seen
        run.run();
        // the first edits should already find a warm compiler: compile the rules a few more times on the side,
        // while the watcher already answers saves
        Thread warmUp = Thread.ofPlatform().daemon().name("policy-warm-up").unstarted(
                () -> engine.warmUp(WARM_UP_COMPILES));
        warmUp.setPriority(Thread.MIN_PRIORITY);
        warmUp.start();
        return w.start();
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
                    .tags(List.of(Tag.create("ruleset_revision", s.rules().revision()),
                            Tag.create("policy_revision", s.policies().revision()))));
        }
    }

    private static Counter counter(String name, String description, String trigger) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder(name).description(description)
                .tags(List.of(Tag.create("trigger", trigger))));
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
