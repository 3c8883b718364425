package dev.safeupdater.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.Plan;
import dev.safeupdater.model.PlanEntry;
import org.junit.jupiter.api.Test;

/** The plan as the table an operator reads: long reasons wrap under their column instead of widening every row. */
class PlanCommandTest {

    @Test
    void longReasonsWrapUnderTheirColumnAndTheTimeIsToTheSecond() {
        Instant at = Instant.parse("2026-12-01T05:10:46.225397Z");
        PlanEntry held = entry(1, "web", "1.0.0", "1.0.2", ChangeType.PATCH, Outcome.HOLD, "release-too-young", at,
                List.of(new PlanEntry.WaitsFor("release-age", "the release being 3d old at 2026-12-03T20:00:00Z",
                                Instant.parse("2026-12-03T20:00:00Z"), null, null),
                        new PlanEntry.WaitsFor("window", "the first maintenance window after 2026-12-03T20:00:00Z,"
                                + " opening at 2026-12-03T22:00+01:00[Europe/Berlin]",
                                Instant.parse("2026-12-03T21:00:00Z"), null, null)));
        PlanEntry approved = entry(2, "api", "3.4.1", "3.4.2", ChangeType.PATCH, Outcome.APPROVE,
                "change-within-allow", at, List.of());
        PlanEntry nothing = entry(3, "cache", "latest", null, null, null, null, null, List.of());
        StringWriter out = new StringWriter();
        PlanCommand.print(new PrintWriter(out, true), new Plan(List.of(held, approved, nothing), null, 3,
                Map.of("APPROVE", 1L, "HOLD", 1L, "NONE", 1L), 0));
        String expected = """
                ID  ASSET                 CURRENT  PROPOSED  TYPE   OUTCOME  RULE                 EVALUATED             REASON / WAITS FOR
                1   static/shop/VM/web    1.0.0    1.0.2     PATCH  HOLD     release-too-young    2026-12-01T05:10:46Z  waits for the release being 3d old at 2026-12-03T20:00:00Z; the first
                                                                                                                        maintenance window after 2026-12-03T20:00:00Z, opening at
                                                                                                                        2026-12-03T22:00+01:00[Europe/Berlin]
                2   static/shop/VM/api    3.4.1    3.4.2     PATCH  APPROVE  change-within-allow  2026-12-01T05:10:46Z  reason of api
                3   static/shop/VM/cache  latest   -         -      NONE     -                    never                 reason of cache

                3 entries: 1 APPROVE, 1 HOLD, 0 REJECT, 1 nothing to propose; 0 stale
                """;
        assertEquals(expected, out.toString());
    }

    @Test
    void wrapBreaksAtSpacesAndKeepsALongWordWhole() {
        assertEquals(List.of("short"), Table.wrap("short", 10));
        assertEquals(List.of("one two", "three four", "five"), Table.wrap("one two three four five", 10));
        assertEquals(List.of("a", "sha256:0123456789abcdef", "b"), Table.wrap("a sha256:0123456789abcdef b", 10));
    }

    private static PlanEntry entry(long id, String name, String current, String proposed, ChangeType type,
                                   Outcome outcome, String rule, Instant at, List<PlanEntry.WaitsFor> waits) {
        return new PlanEntry(id, new AssetKey("static", "", "shop", "VM", name, ""), "127.0.0.1:5000/demo/" + name,
                current, null, proposed, null, type, outcome, rule, "reason of " + name, null, null, waits, List.of(),
                null, null, at, false, null, null);
    }
}
