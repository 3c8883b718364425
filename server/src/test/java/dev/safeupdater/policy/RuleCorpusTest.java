package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.safeupdater.model.History;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.ReleaseTimeSource;
import org.junit.jupiter.api.Test;

/**
 * The corpus of rules that compile in Drools but cannot do what they say (resources policy/corpus/refused.drl), each
 * refused with one clear message at its own line and column; and of rules that look alike and do work
 * (accepted.drl), each firing for exactly the candidates it names.
 */
class RuleCorpusTest {
    private static final Pattern EXPECT = Pattern.compile("^// expect at `(.+?)`: (.+)$");
    private static final Pattern FIRES = Pattern.compile("^// fires for: (.+)$");
    private static final Pattern RULE = Pattern.compile("^rule \"(.+)\"");
    /** A Monday. */
    private static final Instant NOW = Instant.parse("2026-03-09T12:00:00Z");

    private final RuleCompiler compiler = new RuleCompiler(Clock.fixed(NOW, ZoneOffset.UTC));

    private static String resource(String name) throws IOException {
        try (InputStream in = RuleCorpusTest.class.getResourceAsStream("/policy/corpus/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    record Expected(String rule, int line, int column, String text) {
    }

    @Test
    void everyRuleThatCannotDoWhatItSaysIsRefusedOnceWhereItIsWritten() throws Exception {
        String drl = resource("refused.drl");
        String[] lines = drl.split("\n", -1);
        List<Expected> expected = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher m = EXPECT.matcher(lines[i]);
            if (!m.find()) {
                continue;
            }
            Matcher rule = RULE.matcher(lines[i + 1]);
            assertTrue(rule.find(), "an expectation is followed by its rule: " + lines[i + 1]);
            int line = -1;
            int column = -1;
            for (int j = i + 2; j < lines.length && line < 0; j++) {
                int at = lines[j].indexOf(m.group(1));
                if (at >= 0) {
                    line = j + 1;
                    column = at + 1;
                }
            }
            expected.add(new Expected(rule.group(1), line, column, m.group(2)));
        }
        assertEquals(30, expected.size(), "the corpus");

        RuleSetException e = assertThrows(RuleSetException.class, () -> compiler.compile(Map.of("refused.drl",
                drl.getBytes(StandardCharsets.UTF_8))));
        List<RuleMessage> messages = e.messages();
        assertEquals(expected.size(), messages.size(), "one message per rule:\n" + e.getMessage());
        for (Expected x : expected) {
            List<RuleMessage> mine = messages.stream()
                    .filter(m -> m.message().startsWith("rule \"" + x.rule() + "\": ")).toList();
            assertEquals(1, mine.size(), x.rule() + ":\n" + e.getMessage());
            RuleMessage m = mine.getFirst();
            assertEquals("refused.drl:" + x.line() + ":" + x.column(), m.file() + ":" + m.line() + ":" + m.column(),
                    x.rule() + ": " + m);
            assertTrue(m.message().contains(x.text()), x.rule() + ": expected \"" + x.text() + "\" in " + m);
        }
    }

    @Test
    void rulesThatLookAlikeButAreRightWorkAsWritten() throws Exception {
        String drl = resource("accepted.drl");
        Map<String, Set<String>> firesFor = new LinkedHashMap<>();
        String[] lines = drl.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = FIRES.matcher(lines[i]);
            if (m.find()) {
                Matcher rule = RULE.matcher(lines[i + 1]);
                assertTrue(rule.find(), lines[i + 1]);
                for (String who : m.group(1).split(" ")) {
                    firesFor.computeIfAbsent(who, k -> new TreeSet<>()).add(rule.group(1));
                }
            }
        }
        RuleSet set = compiler.compile(Map.of("accepted.drl", drl.getBytes(StandardCharsets.UTF_8)));
        assertEquals(17, set.ruleNames().size(), "the corpus");
        assertEquals(DayOfWeek.MONDAY, NOW.atZone(ZoneId.of("Europe/Berlin")).getDayOfWeek());

        PolicySet policies = PolicyParser.parse(Map.of("p.yaml", ("scopes:\n  - name: prod\n    allow: minor\n"
                + "    match: {image: ghcr.io/*}\n").getBytes(StandardCharsets.UTF_8)), null);
        Candidate major = new Candidate(new AssetKey("kubernetes", "prod", "shop", "Deployment", "web", "app"),
                Map.of("tier", "web"), Map.of(), "ghcr.io/acme/web", "1.4.2", null, "2.0.0", null, ChangeType.MAJOR,
                false, NOW.minus(Duration.ofDays(9)), ReleaseTimeSource.REGISTRY, false);
        History failed = new History(List.of(new History.Failure("1.4.2", "2.0.0", null, "ROLLED_BACK",
                NOW.minus(Duration.ofHours(3)), "readiness probe failed")), List.of(), List.of(), null);
        Candidate patch = new Candidate(new AssetKey("docker", "", "", "Container", "cache", ""), Map.of(),
                Map.of(), "docker.io/library/redis", "7.2.4", null, "7.2.5", null, ChangeType.PATCH, false, null,
                ReleaseTimeSource.UNKNOWN, false);
        Map<String, Subject> subjects = Map.of(
                "major", new Subject(major, policies.explain(major), failed),
                "patch", new Subject(patch, policies.explain(patch), History.EMPTY));
        for (Map.Entry<String, Subject> s : subjects.entrySet()) {
            Evaluation e = Evaluator.evaluate(set, policies.revision(), List.of(s.getValue()), NOW).getFirst();
            Set<String> fired = new TreeSet<>(e.firedRules().stream().map(FiredRule::name).toList());
            assertEquals(firesFor.get(s.getKey()), fired, "fired for the " + s.getKey() + " candidate");
        }
    }
}
