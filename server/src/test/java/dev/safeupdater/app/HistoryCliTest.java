package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.store.AssetStore;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.testing.RunRows;
import dev.safeupdater.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code safe-updater history} and {@code updates}: the same history as the API, as table, JSON and CSV. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryCliTest {
    private final Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
    private TestDatabase db;
    private long run;
    private long held;

    @BeforeAll
    void history() {
        db = TestDatabase.h2();
        long asset = new AssetStore(db.database(), Clock.fixed(t0, ZoneOffset.UTC)).upsert(new AssetKey("static", "",
                "shop", "Deployment", "web", "app"), "ghcr.io/acme/web", "1.4.0", null, Map.of(), Map.of(),
                "api:alice").asset().id();
        Decision d = new DecisionStore(db.database()).append(new Decision(0, asset, "1.4.0", "1.4.1", null, null,
                ChangeType.PATCH, Outcome.APPROVE, List.of("patch, fine"), List.of(new FiredRule("patch-approve",
                Outcome.APPROVE, "patch", Map.of())), "patch-approve", "r1", "p1", "shop", "ENFORCE", Map.of(),
                "api:alice", t0));
        held = new DecisionStore(db.database()).append(new Decision(0, asset, "1.4.0", "2.0.0", null, null,
                ChangeType.MAJOR, Outcome.HOLD, List.of("waiting for approvals"), List.of(), "approvals-required", "r1",
                "p1", "shop", "ENFORCE", Map.of(), "cycle", t0)).id();
        db.database().jdbi().useTransaction(h -> {
            run = RunRows.run(h, asset, d.id(), "1.4.0", "1.4.1", null, "ROLLED_BACK", t0, t0.plusSeconds(60),
                    "readiness failed");
            RunRows.event(h, run, null, "QUEUED", null, t0, false);
            RunRows.event(h, run, "VERIFYING", "ROLLING_BACK", "{\"reason\":\"readiness failed\"}",
                    t0.plusSeconds(30), false);
            RunRows.event(h, run, "ROLLING_BACK", "ROLLED_BACK", null, t0.plusSeconds(60), false);
        });
    }

    @AfterAll
    void close() {
        db.close();
    }

    private CliTest.Run run(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--db-url";
        all[args.length + 1] = db.url();
        all[args.length + 2] = "--db-user";
        all[args.length + 3] = db.user();
        return CliTest.run(all);
    }

    @Test
    void historyRunsAsTableJsonAndCsv() throws Exception {
        CliTest.Run table = run("history", "runs", "--namespace", "shop");
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().startsWith("run_id"), table.out());
        assertTrue(table.out().contains("ROLLED_BACK") && table.out().contains("ghcr.io/acme/web"), table.out());
        CliTest.Run json = run("history", "runs", "--state", "rolled_back", "--format", "json");
        assertEquals(0, json.exit(), json.err());
        JsonNode rows = new ObjectMapper().readTree(json.out());
        assertEquals(run, rows.get(0).get("id").asLong());
        CliTest.Run csv = run("history", "runs", "--format", "csv", "--namespace", "payments");
        assertEquals(0, csv.exit(), csv.err());
        assertEquals(1, csv.out().split("\r\n").length, csv.out()); // the header only
    }

    @Test
    void historyDecisionsAndAuditEventsTakeTheSameFilters() {
        CliTest.Run d = run("history", "decisions", "--rule", "patch-approve", "--outcome", "approve", "--format",
                "csv");
        assertEquals(0, d.exit(), d.err());
        String[] lines = d.out().split("\r\n");
        assertEquals(2, lines.length, d.out());
        assertTrue(lines[1].contains("\"patch, fine\""), lines[1]);
        CliTest.Run a = run("history", "audit", "--actor", "api:alice", "--action", "asset.upsert");
        assertEquals(0, a.exit(), a.err());
        assertTrue(a.out().contains("asset.upsert") && !a.out().contains("asset.decide"), a.out());
    }

    @Test
    void badFiltersExitWithTheFieldNamed() {
        CliTest.Run r = run("history", "runs", "--state", "done");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--state"), r.err());
        CliTest.Run o = run("history", "decisions", "--outcome", "maybe");
        assertEquals(2, o.exit());
        assertTrue(o.err().contains("--outcome"), o.err());
        CliTest.Run f = run("history", "audit", "--format", "xml");
        assertEquals(2, f.exit());
    }

    @Test
    void approveAndRejectVoteAsTheCliUser() {
        CliTest.Run ok = run("approve", Long.toString(held), "--comment", "tested");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("approved asset") && ok.out().contains("2.0.0"), ok.out());
        assertEquals(4, run("approve", "999999").exit());
        assertEquals(5, run("reject", Long.toString(d(Outcome.APPROVE))).exit(), "only a held decision takes votes");
        CliTest.Run no = run("reject", Long.toString(held), "--comment", "breaks checkout");
        assertEquals(0, no.exit(), no.err());
        assertTrue(no.out().contains("pinned"), no.out());
        assertEquals(1, db.count("pin"));
    }

    private long d(Outcome outcome) {
        return db.database().jdbi().withHandle(h -> h.createQuery("SELECT MIN(id) FROM decision WHERE outcome = :o")
                .bind("o", outcome.name()).mapTo(Long.class).one());
    }

    @Test
    void updatesListAndShow() {
        CliTest.Run list = run("updates", "list", "--format", "csv");
        assertEquals(0, list.exit(), list.err());
        assertEquals(2, list.out().split("\r\n").length, list.out());
        CliTest.Run show = run("updates", "show", Long.toString(run));
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().contains("Run " + run + ": ROLLED_BACK (readiness failed)"), show.out());
        assertTrue(show.out().contains("ROLLING_BACK") && show.out().contains("patch-approve"), show.out());
        CliTest.Run missing = run("updates", "show", "999999");
        assertEquals(4, missing.exit(), missing.out());
    }
}
