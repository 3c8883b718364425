package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.Drl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyEngineTest {
    private final PolicyEngine engine = new PolicyEngine(Clock.systemUTC());

    static Candidate candidate(String namespace, String name, ChangeType type) {
        return new Candidate(new AssetKey("static", "", namespace, "Deployment", name, "app"), Map.of("team", "a"),
                Map.of(), "nginx", "1.2.3", null, "1.2.4", null, type, false, null, null);
    }

    @Test
    void rejectBeatsHoldBeatsApproveAndReasonsComeFromTheWinningOutcome(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", Drl.rule("approve-all", "", "approve", "fine")
                + Drl.rule("hold-prod", "namespace == \"prod\"", "hold", "prod needs a look")
                + Drl.rule("reject-legacy", "name == \"legacy\"", "reject", "legacy is frozen"));
        engine.activate(dir);

        Evaluation dev = engine.evaluate(candidate("dev", "web", ChangeType.PATCH));
        assertEquals(Outcome.APPROVE, dev.outcome());
        assertEquals("approve-all", dev.decidedBy());

        Evaluation prod = engine.evaluate(candidate("prod", "web", ChangeType.PATCH));
        assertEquals(Outcome.HOLD, prod.outcome());
        assertEquals(List.of("prod needs a look"), prod.reasons());
        assertEquals(2, prod.firedRules().size());

        Evaluation legacy = engine.evaluate(candidate("prod", "legacy", ChangeType.PATCH));
        assertEquals(Outcome.REJECT, legacy.outcome());
        assertEquals("reject-legacy", legacy.decidedBy());
        assertEquals(List.of("legacy is frozen"), legacy.reasons());
        assertEquals(3, legacy.firedRules().size());
    }

    @Test
    void noRuleSpeakingMeansHoldNoRuleMatched(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", Drl.rule("only-major", "changeType == ChangeType.MAJOR", "hold", "major"));
        engine.activate(dir);
        Evaluation e = engine.evaluate(candidate("dev", "web", ChangeType.PATCH));
        assertEquals(Outcome.HOLD, e.outcome());
        assertEquals(List.of(Evaluation.NO_RULE_MATCHED), e.reasons());
        assertNull(e.decidedBy());
        assertEquals(List.of(), e.firedRules());
    }

    @Test
    void ruleMetadataTravelsWithTheFiredRule(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", """
                rule "with-metadata"
                    @owner("payments-team") @ticket("PAY-42") @severity(high)
                when
                    $c : Candidate()
                then
                    verdict.approve($c, "ok");
                end
                """);
        engine.activate(dir);
        FiredRule f = engine.evaluate(candidate("dev", "web", ChangeType.PATCH)).firedRules().getFirst();
        assertEquals("with-metadata", f.name());
        assertEquals(Map.of("owner", "payments-team", "ticket", "PAY-42", "severity", "high"), f.metadata());
    }

    @Test
    void aRuleThatFiresWithoutSpeakingIsListedWithoutOutcome(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", """
                rule "observer"
                when
                    $c : Candidate( namespace == "dev" )
                then
                    // looks, says nothing
                end
                """);
        engine.activate(dir);
        Evaluation e = engine.evaluate(candidate("dev", "web", ChangeType.PATCH));
        assertEquals(Outcome.HOLD, e.outcome());
        assertEquals("observer", e.firedRules().getFirst().name());
        assertNull(e.firedRules().getFirst().outcome());
    }

    @Test
    void aBatchKeepsEveryCandidatesVerdictApart(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", Drl.rule("patch", "changeType == ChangeType.PATCH", "approve", "patch")
                + Drl.rule("major", "changeType == ChangeType.MAJOR", "hold", "major")
                + Drl.rule("down", "changeType == ChangeType.DOWNGRADE", "reject", "down"));
        engine.activate(dir);
        List<Candidate> batch = new ArrayList<>();
        ChangeType[] types = {ChangeType.PATCH, ChangeType.MAJOR, ChangeType.DOWNGRADE, ChangeType.MINOR};
        for (int i = 0; i < 400; i++) {
            batch.add(candidate("ns" + i, "w" + i, types[i % 4]));
        }
        List<Evaluation> results = engine.evaluateAll(batch);
        Outcome[] expected = {Outcome.APPROVE, Outcome.HOLD, Outcome.REJECT, Outcome.HOLD};
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(batch.get(i), results.get(i).candidate());
            assertEquals(expected[i % 4], results.get(i).outcome(), "candidate " + i);
            assertEquals(i % 4 == 3 ? 0 : 1, results.get(i).firedRules().size(), "candidate " + i);
        }
    }

    /** STACK.md D1: with the constraint JIT on, str[startsWith] breaks after ~20 evaluations on Drools 10.2. */
    @Test
    void customOperatorRulesKeepWorkingOverTenThousandEvaluations(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", Drl.rule("team-namespaces", "namespace str[startsWith] \"team-\"", "approve", "team")
                + Drl.rule("legacy-names", "name str[endsWith] \"-legacy\"", "reject", "legacy"));
        engine.activate(dir);
        for (int i = 0; i < 10_000; i++) {
            boolean team = i % 3 != 0;
            boolean legacy = i % 7 == 0;
            Candidate c = candidate(team ? "team-" + i : "ops-" + i, legacy ? "svc-legacy" : "svc", ChangeType.PATCH);
            Outcome expected = legacy ? Outcome.REJECT : team ? Outcome.APPROVE : Outcome.HOLD;
            assertEquals(expected, engine.evaluate(c).outcome(), "evaluation " + i);
        }
    }

    @Test
    void evaluatingBeforeAnyActivationIsAnError() {
        assertThrows(PolicyEngine.NoActiveRuleSetException.class,
                () -> engine.evaluate(candidate("dev", "web", ChangeType.PATCH)));
    }
}
