package dev.safeupdater.policy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

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
    private final Object activation = new Object();

    /** The most recent refused activation, kept for status pages. */
    public record ActivationFailure(Instant at, String trigger, List<RuleMessage> messages) {
        public ActivationFailure {
            messages = List.copyOf(messages);
        }
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

    /**
     * Builds a snapshot from the configured sources and activates it, or throws and keeps the active one. Unchanged
     * rule files are not compiled again.
     */
    public PolicySnapshot reload(String trigger) throws RuleSetException {
        if (sources == null) {
            throw new IllegalStateException("this engine has no configured sources");
        }
        synchronized (activation) {
            try {
                PolicySnapshot s = build(sources, trigger);
                active.set(s);
                return s;
            } catch (RuleSetException e) {
                lastFailure.set(new ActivationFailure(clock.instant(), trigger, e.messages()));
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
        List<RuleMessage> errors = new ArrayList<>();
        RuleSet rules = null;
        try {
            rules = compileRules(s.rulesDir());
        } catch (RuleSetException e) {
            errors.addAll(e.messages());
        }
        PolicySet policies = PolicySet.EMPTY;
        if (s.policiesDir() != null) {
            try {
                policies = PolicyParser.parse(s.policiesDir());
            } catch (RuleSetException e) {
                errors.addAll(e.messages());
            }
        }
        if (!errors.isEmpty()) {
            throw new RuleSetException(errors);
        }
        PolicyTestReport.Summary tests = null;
        if (s.requireTests()) {
            PolicyTestReport report = test(rules, policies, s.testsDir());
            if (!report.ok()) {
                List<RuleMessage> problems = new ArrayList<>();
                problems.add(new RuleMessage(String.valueOf(s.testsDir()), 0, 0, "policy.require-tests is on and the"
                        + " owner tests did not pass (" + report.summary() + ")"));
                problems.addAll(report.problems());
                throw new RuleSetException(problems);
            }
            tests = report.summary();
        }
        return new PolicySnapshot(rules, policies, clock.instant(), trigger, tests);
    }

    /** Runs the owner test cases in {@code testsDir} against {@code rules} and {@code policies}. */
    public PolicyTestReport test(RuleSet rules, PolicySet policies, Path testsDir) {
        PolicyTests.Loaded loaded = PolicyTests.load(testsDir);
        return PolicyTests.run(rules, policies, loaded.cases(), loaded.errors(), candidates);
    }

    private RuleSet compileRules(Path rulesDir) throws RuleSetException {
        Map<String, byte[]> files = RuleCompiler.read(rulesDir);
        PolicySnapshot current = active.get();
        if (current != null && current.rules().revision().equals(RuleCompiler.revision(files))) {
            return current.rules();
        }
        return compiler.compile(files, rulesDir.toString());
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
