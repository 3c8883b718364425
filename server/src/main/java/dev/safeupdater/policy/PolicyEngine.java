package dev.safeupdater.policy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.safeupdater.model.Candidate;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.StatelessKieSession;

/**
 * Holds the active rule set and evaluates candidates against it. A new set is compiled on the side and swapped in
 * atomically; evaluations already running finish on the set they started with. A refused set leaves the active one
 * in place.
 */
public final class PolicyEngine {
    /** The DRL global rules write their verdict to. */
    public static final String VERDICT_GLOBAL = "verdict";

    private final RuleCompiler compiler;
    private final Clock clock;
    private final AtomicReference<RuleSet> active = new AtomicReference<>();
    private final AtomicReference<ActivationFailure> lastFailure = new AtomicReference<>();

    /** The most recent refused activation, kept for status pages. */
    public record ActivationFailure(Instant at, List<RuleMessage> messages) {
    }

    public PolicyEngine(Clock clock) {
        this.clock = clock;
        this.compiler = new RuleCompiler(clock);
    }

    /** Compiles {@code rulesDir} and makes it the active set, or throws and keeps the previous one. */
    public RuleSet activate(Path rulesDir) throws RuleSetException {
        try {
            RuleSet set = compiler.compile(rulesDir);
            active.set(set);
            return set;
        } catch (RuleSetException e) {
            lastFailure.set(new ActivationFailure(clock.instant(), e.messages()));
            throw e;
        }
    }

    public Optional<RuleSet> active() {
        return Optional.ofNullable(active.get());
    }

    public Optional<ActivationFailure> lastFailure() {
        return Optional.ofNullable(lastFailure.get());
    }

    /** Evaluates one candidate. */
    public Evaluation evaluate(Candidate candidate) {
        return evaluateAll(List.of(candidate)).getFirst();
    }

    /** Evaluates many candidates in one rule session; results come back in the order given. */
    public List<Evaluation> evaluateAll(List<Candidate> candidates) {
        RuleSet set = active.get();
        if (set == null) {
            throw new NoActiveRuleSetException();
        }
        Verdict verdict = new Verdict();
        StatelessKieSession session = set.kieBase().newStatelessKieSession();
        session.setGlobal(VERDICT_GLOBAL, verdict);
        session.addEventListener(new DefaultAgendaEventListener() {
            @Override
            public void beforeMatchFired(BeforeMatchFiredEvent event) {
                verdict.beforeFiring(event.getMatch().getRule());
            }

            @Override
            public void afterMatchFired(AfterMatchFiredEvent event) {
                verdict.afterFiring(event.getMatch().getRule(), event.getMatch().getObjects());
            }
        });
        session.execute(new ArrayList<Object>(candidates));
        List<Evaluation> out = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            out.add(Evaluation.combine(c, verdict.firedFor(c), set.revision()));
        }
        return out;
    }

    /** Thrown when an evaluation is asked for before any rule set was activated. */
    public static final class NoActiveRuleSetException extends IllegalStateException {
        public NoActiveRuleSetException() {
            super("no rule set is active");
        }
    }
}
