package dev.safeupdater.policy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;

/**
 * Holds the active {@link PolicySnapshot} (rule set + policy set) and evaluates candidates against it. A new snapshot
 * is built on the side — every DRL file compiled, every policy file validated, owner tests run when required — and
 * swapped in atomically; evaluations already running finish on the snapshot they started with. A refused snapshot
 * leaves the active one in place and is remembered as the last failure.
 */
public final class PolicyEngine {
    /** The DRL global rules write their verdict to. */
    public static final String VERDICT_GLOBAL = "verdict";

    private final RuleCompiler compiler;
    private final java.time.Clock clock;
    private final PolicySources sources;
    private final CandidateBuilder candidates;
    private final AtomicReference<PolicySnapshot> active = new AtomicReference<>();
    private final AtomicReference<ActivationFailure> lastFailure = new AtomicReference<>();
    private final AtomicReference<RuleSet> lastCompiled = new AtomicReference<>();
    private final Object activation = new Object();
    /** What the active snapshot was built from (null: unknown, e.g. after {@link #activate(Path)}). */
    private String activeIdentity;
    /** What the attempt refused last was built from, until an attempt with other files is made. */
    private String refusedIdentity;

    /**
     * The most recent refused activation, kept for status pages, with the revisions it tried (null when its files
     * could not be read).
     */
    public record ActivationFailure(Instant at, String trigger, List<RuleMessage> messages, String rulesetRevision,
                                    String policyRevision) {
        public ActivationFailure {
            messages = List.copyOf(messages);
        }

        public ActivationFailure(Instant at, String trigger, List<RuleMessage> messages) {
            this(at, trigger, messages, null, null);
        }
    }

    /**
     * The outcome of {@link #reloadIfChanged}: the active snapshot, and whether this reload activated it ({@code false}: the
     * files were those of the active set already, nothing was compiled or swapped).
     */
    public record Reload(PolicySnapshot snapshot, boolean activated) {
    }

    /** An engine without configured sources: {@link #activate(Path)} loads rules only, with no policy scopes. */
    public PolicyEngine(java.time.Clock clock) {
        this(clock, null, null);
    }

    /**
     * @param sources    where {@link #reload} reads from (null: only {@link #activate(Path)} is available)
     * @param candidates builds owner test candidates as the server would (null: test cases must give changeType)
     */
    public PolicyEngine(java.time.Clock clock, PolicySources sources, CandidateBuilder candidates) {
        this.clock = clock;
        this.compiler = new RuleCompiler(clock);
        this.sources = sources;
        this.candidates = candidates;
    }

    public Optional<PolicySources> sources() {
        return Optional.ofNullable(sources);
    }

    public CandidateBuilder candidateBuilder() {
        return candidates;
    }

    /** {@link #reloadIfChanged} for callers that only need the active snapshot afterwards. */
    public PolicySnapshot reload(String trigger) throws RuleSetException {
        return reloadIfChanged(trigger).snapshot();
    }

    /**
     * Builds a snapshot from the configured sources and activates it, or throws and keeps the active one. Unchanged
     * rule files are not compiled again. Files identical to the active set's activate nothing
     * ({@link Reload#activated()} false); files identical to the attempt refused just before are refused again
     * without compiling, with {@link RuleSetException#repeated()} set.
     */
    public Reload reloadIfChanged(String trigger) throws RuleSetException {
        if (sources == null) {
            throw new IllegalStateException("this engine has no configured sources");
        }
        synchronized (activation) {
            Inputs in = Inputs.read(sources);
            PolicySnapshot current = active.get();
            if (current != null && in.identity().equals(activeIdentity)) {
                refusedIdentity = null;
                return new Reload(current, false);
            }
            ActivationFailure failed = lastFailure.get();
            if (failed != null && in.identity().equals(refusedIdentity)) {
                throw new RuleSetException(failed.messages(), true);
            }
            try {
                PolicySnapshot s = build(in, trigger);
                active.set(s);
                activeIdentity = in.identity();
                refusedIdentity = null;
                return new Reload(s, true);
            } catch (RuleSetException e) {
                lastFailure.set(new ActivationFailure(clock.instant(), trigger, e.messages(), in.rulesRevision(),
                        in.policyRevision()));
                refusedIdentity = in.identity();
                throw e;
            }
        }
    }

    /**
     * Compiles {@code rulesDir} and activates it with the configured policy set (none when the engine has no
     * sources), or throws and keeps the previous snapshot.
     */
    public RuleSet activate(Path rulesDir) throws RuleSetException {
        PolicySources s = sources == null ? new PolicySources(rulesDir, null)
                : new PolicySources(rulesDir, sources.policiesDir(), sources.testsDir(), sources.requireTests());
        synchronized (activation) {
            try {
                PolicySnapshot snap = build(s, "activate");
                active.set(snap);
                activeIdentity = null;
                return snap.rules();
            } catch (RuleSetException e) {
                lastFailure.set(new ActivationFailure(clock.instant(), "activate", e.messages()));
                throw e;
            }
        }
    }

    /**
     * Compiles and validates everything {@code s} names, running owner tests when {@code s.requireTests()}; activates
     * nothing. All problems found are reported together.
     */
    public PolicySnapshot build(PolicySources s, String trigger) throws RuleSetException {
        return build(Inputs.read(s), trigger);
    }

    /** The files of one attempt, read once: what is compiled is exactly what the identity was computed from. */
    private record Inputs(PolicySources sources, Map<String, byte[]> rules, Map<String, byte[]> policies,
                          PolicyTests.TestFiles tests, List<RuleMessage> readErrors) {
        static Inputs read(PolicySources s) {
            List<RuleMessage> errors = new ArrayList<>();
            Map<String, byte[]> rules = null;
            Map<String, byte[]> policies = null;
            PolicyTests.TestFiles tests = null;
            try {
                rules = RuleCompiler.read(s.rulesDir());
            } catch (RuleSetException e) {
                errors.addAll(e.messages());
            }
            if (s.policiesDir() != null) {
                try {
                    policies = PolicyParser.read(s.policiesDir());
                } catch (RuleSetException e) {
                    errors.addAll(e.messages());
                }
            }
            if (s.requireTests() && s.testsDir() != null) {
                try {
                    tests = PolicyTests.read(s.testsDir(), s.policiesDir());
                } catch (RuleSetException e) {
                    tests = new PolicyTests.TestFiles(Map.of(), "missing");
                }
            }
            return new Inputs(s, rules, policies, tests, errors);
        }

        String rulesRevision() {
            return rules == null ? null : RuleCompiler.revision(rules);
        }

        String policyRevision() {
            return policies == null ? null : RuleCompiler.revision(policies);
        }

        /** Equal exactly when the same files (and settings) would be compiled, validated and tested. */
        String identity() {
            return (rules == null ? "unreadable " + readErrors : rulesRevision()) + "/"
                    + (sources.policiesDir() == null ? "-" : policies == null ? "unreadable" : policyRevision()) + "/"
                    + (tests == null ? "-" : tests.revision());
        }
    }

    private PolicySnapshot build(Inputs in, String trigger) throws RuleSetException {
        List<RuleMessage> errors = new ArrayList<>(in.readErrors());
        RuleSet rules = null;
        if (in.rules() != null) {
            try {
                rules = compileRules(in.rules());
            } catch (RuleSetException e) {
                errors.addAll(e.messages());
            }
        }
        PolicySet policies = PolicySet.EMPTY;
        if (in.policies() != null) {
            try {
                policies = PolicyParser.parse(in.policies(), null);
            } catch (RuleSetException e) {
                errors.addAll(e.messages());
            }
        }
        if (!errors.isEmpty()) {
            throw new RuleSetException(errors);
        }
        PolicyTestReport.Summary tests = null;
        PolicySources s = in.sources();
        if (s.requireTests()) {
            PolicyTests.Loaded loaded = in.tests() == null || "missing".equals(in.tests().revision())
                    ? PolicyTests.load(s.testsDir(), s.policiesDir()) : PolicyTests.load(in.tests());
            PolicyTestReport report = PolicyTests.run(rules, policies, loaded.cases(), loaded.errors(), candidates);
            if (!report.ok()) {
                List<RuleMessage> problems = new ArrayList<>();
                Path label = PolicyTests.label(s.testsDir(), s.policiesDir());
                problems.add(new RuleMessage(label == null ? "" : label.toString(), 0, 0, "policy.require-tests is on"
                        + " and the owner tests did not pass (" + report.summary() + ")"));
                problems.addAll(report.problems());
                throw new RuleSetException(problems);
            }
            tests = report.summary();
        }
        return new PolicySnapshot(rules, policies, clock.instant(), trigger, tests);
    }

    /** Runs the owner test cases in {@code testsDir} against {@code rules} and {@code policies}. */
    public PolicyTestReport test(RuleSet rules, PolicySet policies, Path testsDir) {
        PolicyTests.Loaded loaded = PolicyTests.load(testsDir, sources == null ? null : sources.policiesDir());
        return PolicyTests.run(rules, policies, loaded.cases(), loaded.errors(), candidates);
    }

    /**
     * Compiles rule files, or reuses the active set's (or the last compiled) rule set when the files are the same:
     * compiled sets are immutable, so a set can be shared by snapshots.
     */
    private RuleSet compileRules(Map<String, byte[]> files) throws RuleSetException {
        String revision = RuleCompiler.revision(files);
        PolicySnapshot current = active.get();
        if (current != null && current.rules().revision().equals(revision)) {
            return current.rules();
        }
        RuleSet last = lastCompiled.get();
        if (last != null && last.revision().equals(revision)) {
            return last;
        }
        RuleSet compiled = compiler.compile(files);
        lastCompiled.set(compiled);
        return compiled;
    }

    /**
     * Compiles the configured rule files {@code times} times and throws the results away: a long-running tool (such
     * as {@code policy test --watch}) then finds the JVM's hot code compiled when the owner saves a file. Problems
     * are ignored here; the real runs report them.
     */
    public void warmUp(int times) {
        if (sources == null) {
            return;
        }
        for (int i = 0; i < times; i++) {
            try {
                compiler.compile(RuleCompiler.read(sources.rulesDir()));
            } catch (RuleSetException | RuntimeException e) {
                return;
            }
        }
    }

    /** The rule set of the active snapshot. */
    public Optional<RuleSet> active() {
        PolicySnapshot s = active.get();
        return s == null ? Optional.empty() : Optional.of(s.rules());
    }

    /** The active snapshot (rule set and policy set). */
    public Optional<PolicySnapshot> snapshot() {
        return Optional.ofNullable(active.get());
    }

    public Optional<ActivationFailure> lastFailure() {
        return Optional.ofNullable(lastFailure.get());
    }

    /** Evaluates one candidate now, with no history. */
    public Evaluation evaluate(Candidate candidate) {
        return evaluateAll(List.of(candidate)).getFirst();
    }

    /** Evaluates many candidates now, with no history, in one rule session; results in the order given. */
    public List<Evaluation> evaluateAll(List<Candidate> candidates) {
        return evaluateAll(candidates.stream().map(c -> new PolicyInput(c, History.EMPTY)).toList(),
                clock.instant());
    }

    /**
     * Evaluates many candidates at {@code now} against the active snapshot: each gets its scope (first by priority)
     * and its history; all go through one rule session. Results come back in the order given.
     */
    public List<Evaluation> evaluateAll(List<PolicyInput> inputs, Instant now) {
        PolicySnapshot s = require();
        List<Subject> subjects = new ArrayList<>(inputs.size());
        for (PolicyInput in : inputs) {
            subjects.add(new Subject(in.candidate(), s.policies().match(in.candidate()), in.history()));
        }
        return Evaluator.evaluate(s.rules(), s.policies().revision(), subjects, now);
    }

    /**
     * Evaluates subjects whose scopes were already found (see {@link PolicySet#explain}) against {@code snapshot},
     * which need not be the active one.
     */
    public static List<Evaluation> evaluate(PolicySnapshot snapshot, List<Subject> subjects, Instant now) {
        return Evaluator.evaluate(snapshot.rules(), snapshot.policies().revision(), subjects, now);
    }

    /** The active snapshot, or {@link NoActiveRuleSetException}. */
    public PolicySnapshot require() {
        PolicySnapshot s = active.get();
        if (s == null) {
            throw new NoActiveRuleSetException();
        }
        return s;
    }

    /** Thrown when an evaluation is asked for before any rule set was activated. */
    public static final class NoActiveRuleSetException extends IllegalStateException {
        public NoActiveRuleSetException() {
            super("no rule set is active");
        }
    }
}
