package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import dev.safeupdater.testing.Drl;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleCompilerTest {
    private final RuleCompiler compiler = new RuleCompiler(Clock.systemUTC());

    @Test
    void theShippedRulesCompileIntoARevisionedSet() throws Exception {
        RuleSet set = compiler.compile(TestPaths.rules());
        assertTrue(set.revision().matches("[0-9a-f]{64}"), set.revision());
        assertTrue(set.files().stream().allMatch(f -> f.name().endsWith(".drl") && f.sha256().matches("[0-9a-f]{64}")));
        assertTrue(set.ruleNames().size() >= 4, set.ruleNames().toString());
    }

    @Test
    void aSyntaxErrorRefusesTheSetWithFileLineAndColumn(@TempDir Path dir) {
        Drl.write(dir, "good.drl", Drl.rule("ok", "changeType == ChangeType.PATCH", "approve", "fine"));
        Drl.write(dir, "broken.drl", """
                rule "broken"
                when
                    $c : Candidate( changeType == )
                then
                    verdict.hold($c, "x");
                end
                """);
        RuleSetException e = assertThrows(RuleSetException.class, () -> compiler.compile(dir));
        RuleMessage m = e.messages().getFirst();
        assertEquals("broken.drl", m.file());
        assertTrue(m.line() >= 7, "line of the bad constraint after the 4 header lines: " + m);
        assertTrue(m.toString().startsWith("broken.drl:" + m.line() + ":" + m.column() + ": "), m.toString());
    }

    @Test
    void anUnknownFieldIsATypeErrorThatRefusesTheSet(@TempDir Path dir) {
        Drl.write(dir, "typo.drl", Drl.rule("typo", "chnageType == ChangeType.PATCH", "approve", "x"));
        RuleSetException e = assertThrows(RuleSetException.class, () -> compiler.compile(dir));
        assertTrue(e.messages().stream().anyMatch(m -> m.file().equals("typo.drl") && m.message().contains("chnageType")),
                e.getMessage());
    }

    @Test
    void aRuleNameUsedTwiceAcrossFilesIsRefusedNamingBothPlaces(@TempDir Path dir) {
        Drl.write(dir, "a.drl", Drl.rule("same-name", "changeType == ChangeType.PATCH", "approve", "a"));
        Drl.write(dir, "b.drl", Drl.rule("same-name", "changeType == ChangeType.MAJOR", "hold", "b"));
        RuleSetException e = assertThrows(RuleSetException.class, () -> compiler.compile(dir));
        assertEquals(1, e.messages().size(), e.getMessage());
        RuleMessage m = e.messages().getFirst();
        assertEquals("b.drl", m.file());
        assertEquals(5, m.line());
        assertTrue(m.message().contains("duplicate rule name \"same-name\"") && m.message().contains("a.drl:5"),
                m.message());
    }

    @Test
    void anEmptyOrMissingDirectoryIsRefused(@TempDir Path dir) {
        assertThrows(RuleSetException.class, () -> compiler.compile(dir));
        assertThrows(RuleSetException.class, () -> compiler.compile(dir.resolve("absent")));
    }

    @Test
    void theRevisionFollowsContentAndNamesOnly(@TempDir Path dir) throws Exception {
        Drl.write(dir, "r.drl", Drl.rule("r", "changeType == ChangeType.PATCH", "approve", "x"));
        String first = compiler.compile(dir).revision();
        assertEquals(first, compiler.compile(dir).revision());
        Drl.write(dir, "r.drl", Drl.rule("r", "changeType == ChangeType.PATCH", "approve", "y"));
        String edited = compiler.compile(dir).revision();
        assertNotEquals(first, edited);
        Files.move(dir.resolve("r.drl"), dir.resolve("s.drl"));
        assertNotEquals(edited, compiler.compile(dir).revision());
    }

    @Test
    void aRefusedSetLeavesThePreviousOneActiveAndIsReported(@TempDir Path dir) throws Exception {
        PolicyEngine engine = new PolicyEngine(Clock.systemUTC());
        Drl.write(dir, "r.drl", Drl.rule("r", "changeType == ChangeType.PATCH", "approve", "x"));
        RuleSet good = engine.activate(dir);
        Drl.write(dir, "r.drl", "rule \"r\" when then verdict.nonsense(; end");
        assertThrows(RuleSetException.class, () -> engine.activate(dir));
        assertSame(good, engine.active().orElseThrow());
        List<RuleMessage> failure = engine.lastFailure().orElseThrow().messages();
        assertTrue(failure.stream().allMatch(m -> m.file().equals("r.drl")), failure.toString());
    }
}
