package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.History;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.ReleaseTimeSource;
import dev.safeupdater.policy.Evaluation;
import dev.safeupdater.policy.Approvals;
import dev.safeupdater.policy.ChangeLevel;
import dev.safeupdater.policy.Freeze;
import dev.safeupdater.policy.Match;
import dev.safeupdater.policy.Mode;
import dev.safeupdater.policy.ScopeMatch;
import dev.safeupdater.policy.ScopePolicy;
import org.junit.jupiter.api.Test;

/** The evaluate route's serializers write what the shared mapper writes, byte for byte. */
class EvaluateRenderingTest {
    private static ScopePolicy scope(String name, String description, ChangeLevel allow, List<Freeze> freezes) {
        return new ScopePolicy(name, description, null, "prod \"main\".yaml", 12, -3, 0, Match.ALL, allow, true,
                Duration.ofDays(2), false, List.of(), freezes, new Approvals(2, Duration.ofHours(36)),
                Duration.ofHours(24), Mode.DRY_RUN);
    }

    private static Object document(ScopePolicy policy, List<String> because, List<String> alsoMatched) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("firedRules", List.of(
                new FiredRule("change-within-allow", Outcome.APPROVE, "PATCH change 1.2.3 -> 1.2.4 \"ok\"\n",
                        Map.of("owner", "platform-team", "description", "tabs\there, unicode é ✓, </script>")),
                new FiredRule("only-fired", null, null, null),
                new FiredRule("release-too-young", Outcome.HOLD, "", Map.of())));
        doc.put("scope", new ScopeMatch(policy, because, alsoMatched).explanation());
        doc.put("noScope", null);
        doc.put("metadata", metadata);
        return doc;
    }

    private static String both(Object doc) throws Exception {
        String expected = Json.MAPPER.writeValueAsString(doc);
        assertEquals(expected, EvaluateResource.MAPPER.writeValueAsString(doc));
        return expected;
    }

    @Test
    void rendersFiredRulesAndTheScopeAsTheSharedMapperDoes() throws Exception {
        ScopePolicy p = scope("prod", "Production \\ \"critical\"", ChangeLevel.MINOR,
                List.of(new Freeze(Instant.parse("2026-12-20T00:00:00Z"), Instant.parse("2027-01-02T00:00:00Z"),
                        "year end"), new Freeze(Instant.parse("2027-02-01T00:00:00Z"),
                        Instant.parse("2027-02-02T00:00:00Z"), null)));
        String first = both(document(p, List.of("namespace \"prod\" matches \"prod*\""), List.of("other")));
        assertTrue(first.contains("\"settings\":{\"priority\":-3,\"allow\":\"minor\""), first);
        // again: the pre-rendered parts come from the cache
        assertEquals(first, both(document(p, List.of("namespace \"prod\" matches \"prod*\""), List.of("other"))));
        both(document(p, List.of(), List.of()));
    }

    @Test
    void aScopeOrRuleChangedUnderTheSameNameIsRenderedAfresh() throws Exception {
        String before = both(document(scope("prod", null, ChangeLevel.PATCH, List.of()), List.of("a"), List.of()));
        String after = both(document(scope("prod", null, ChangeLevel.MAJOR, List.of()), List.of("a"), List.of()));
        assertNotEquals(before, after);
        assertTrue(after.contains("\"allow\":\"major\""), after);
        FiredRule old = new FiredRule("r", Outcome.HOLD, "x", Map.of("owner", "a"));
        FiredRule changed = new FiredRule("r", Outcome.HOLD, "x", Map.of("owner", "b"));
        assertEquals(Json.MAPPER.writeValueAsString(old), EvaluateResource.MAPPER.writeValueAsString(old));
        String rendered = EvaluateResource.MAPPER.writeValueAsString(changed);
        assertEquals(Json.MAPPER.writeValueAsString(changed), rendered);
        assertTrue(rendered.contains("\"owner\":\"b\""), rendered);
    }

    @Test
    void rendersAScopeWithoutListsAsTheSharedMapperDoes() throws Exception {
        ScopePolicy p = scope("bare", null, ChangeLevel.NONE, List.of());
        both(new ScopeMatch.Explanation("bare", null, 0, 0, null, null, null, null, null, p.settings()));
        both(new ScopeMatch.Explanation("bare", "f", 1, 2, Mode.ENFORCE, "d", "o", List.of("x"), List.of(), null));
    }

    @Test
    void rendersAWholeExplanationAsTheSharedMapperDoes() throws Exception {
        ScopePolicy p = scope("prod", "d", ChangeLevel.MINOR, List.of());
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("team", "payments \"core\"");
        labels.put("app.kubernetes.io/name", "web");
        Candidate full = new Candidate(new AssetKey("k8s", "prod", "shop", "Deployment", "web", "app"), labels,
                Map.of("safe-updater.dev/hint", "x"), "registry.example.com:5000/shop/web", "1.2.3",
                "sha256:" + "a".repeat(64), "1.3.0-rc.1", null, ChangeType.MINOR, true,
                Instant.parse("2026-11-30T07:27:48.909314568Z"), ReleaseTimeSource.REGISTRY, true);
        Candidate bare = new Candidate(new AssetKey(null, null, null, null, null, null), null, null, null, null, null,
                null, null, ChangeType.NONE, false, null, null,
                false);
        History history = new History(
                List.of(new History.Failure("1.2.2", "1.2.3", null, "ROLLED_BACK", Instant.parse("2026-11-01T00:00:00Z"),
                        "probe \"failed\"")),
                List.of(new History.Pin("1.2.3", null, "hold", "alice", Instant.parse("2026-11-02T10:00:00.5Z"))),
                List.of(new History.Approval("bob", Instant.parse("2026-11-03T00:00:00Z"))),
                new History.LastUpdate("1.2.2", "1.2.3", Instant.parse("2026-11-04T00:00:00Z")));
        List<FiredRule> fired = List.of(new FiredRule("change-within-allow", Outcome.APPROVE, "ok", Map.of("a", "1")));
        for (Candidate c : List.of(full, bare)) {
            for (History h : java.util.Arrays.asList(history, History.EMPTY, null)) {
                both(new Evaluation.Explanation(Outcome.APPROVE, "change-within-allow", java.util.Arrays.asList("ok", null), fired,
                        new ScopeMatch(p, List.of("because"), List.of()).explanation(), Mode.ENFORCE,
                        ChangeType.MINOR, c, h, Instant.parse("2026-11-30T00:00:00Z"), "r1", "p1"));
            }
        }
        String none = both(new Evaluation.Explanation(Outcome.HOLD, null, null, null, null, null, null, null, null,
                null, null, null));
        assertTrue(none.startsWith("{\"outcome\":\"HOLD\",\"decidedBy\":null"), none);
        both(new Evaluation.Explanation(null, null, List.of(), List.of(), null, Mode.DRY_RUN, null, full,
                History.EMPTY, Instant.EPOCH, "", ""));
    }
}
