package dev.safeupdater.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Multi-row appends hand each row its own id, across statement boundaries, on both databases. */
class MultiRowTest {
    @Test
    void eachRowGetsItsOwnParameterNames() {
        assertEquals("(:a_0, CAST(:b_0 AS x)), (:a_1, CAST(:b_1 AS x))", MultiRow.values("(:a, CAST(:b AS x))", 2));
        assertEquals("(:x_1_0, '::', ::y_0, :), (:x_1_1, '::', ::y_1, :)", MultiRow.values("(:x_1, '::', ::y, :)", 2));
    }

    /** The hand-written scanner renames exactly what the regular expression {@code :(\w+)} finds. */
    @Test
    void parameterNamesAreFoundLikeTheRegularExpression() {
        java.util.regex.Pattern parameter = java.util.regex.Pattern.compile(":(\\w+)");
        java.util.Random random = new java.util.Random(20261130);
        String alphabet = ":a_9 (,)'-";
        for (int n = 0; n < 50_000; n++) {
            StringBuilder tuple = new StringBuilder();
            for (int k = random.nextInt(16); k > 0; k--) {
                tuple.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            int rows = 1 + random.nextInt(3);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < rows; i++) {
                String suffix = "_" + i;
                expected.append(i > 0 ? ", " : "").append(parameter.matcher(tuple).replaceAll(
                        m -> java.util.regex.Matcher.quoteReplacement(":" + m.group(1) + suffix)));
            }
            assertEquals(expected.toString(), MultiRow.values(tuple.toString(), rows), tuple::toString);
        }
    }

    @Nested
    class OnH2 extends Contract {
        OnH2() {
            super(TestDatabase.Kind.H2);
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(TestDatabase.Kind.POSTGRES);
        }
    }

    abstract static class Contract extends DatabaseContract {
        private final Instant now = Instant.parse("2026-03-10T12:00:00Z");

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @Test
        void twoHundredFiftyDecisionsAppendedInThreeStatementsComeBackAsWritten() {
            long assetId = new AssetStore(db.database(), Clock.fixed(now, ZoneOffset.UTC)).upsert(new AssetKey(
                    "kubernetes", "prod", "shop", "Deployment", "multi-" + kind, "app"), "ghcr.io/acme/app", "1.0.0",
                    null, Map.of(), Map.of(), "api:test").asset().id();
            List<Decision> rows = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                rows.add(new Decision(0, assetId, "1.0.0", "1.0." + (i + 1), null, i % 2 == 0 ? null
                        : "sha256:" + String.format("%064d", i), ChangeType.PATCH, i % 3 == 0 ? Outcome.HOLD
                        : Outcome.APPROVE, List.of("reason " + i), List.of(new FiredRule("rule-" + i, Outcome.APPROVE,
                        "because " + i, Map.of())), "rule-" + i, "rev", "prev", "shop", "ENFORCE",
                        Map.of("n", i), "test", now.plusSeconds(i)));
            }
            List<Long> ids = db.database().jdbi().inTransaction(h -> new DecisionDao(h).insertAll(rows));
            assertEquals(250, ids.size());
            db.database().jdbi().useHandle(h -> {
                DecisionDao dao = new DecisionDao(h);
                for (int i = 0; i < rows.size(); i++) {
                    Decision stored = dao.findById(ids.get(i)).orElseThrow();
                    Decision written = rows.get(i);
                    assertEquals(written.toTag(), stored.toTag());
                    assertEquals(written.toDigest(), stored.toDigest());
                    assertEquals(written.outcome(), stored.outcome());
                    assertEquals(written.reasons(), stored.reasons());
                    assertEquals(written.firedRules().getFirst().name(), stored.firedRules().getFirst().name());
                    assertEquals(written.decidedAt(), stored.decidedAt());
                    assertEquals(i, ((Number) stored.inputs().get("n")).intValue());
                }
            });
        }
    }
}
