package dev.safeupdater.testing;

import java.time.Instant;
import java.time.ZoneOffset;

import org.jdbi.v3.core.Handle;

/**
 * Update runs and their events written straight into the tables (as the executor would), for tests of the read
 * side: the history view, the listings and the exports.
 */
public final class RunRows {
    private RunRows() {
    }

    /** A copy of decision {@code id} as {@code actor} re-decided it (same facts, same verdict); its id. */
    public static long redecided(Handle h, long id, String actor) {
        String cols = "asset_id, from_tag, to_tag, from_digest, to_digest, change_type, outcome, reasons, fired_rules,"
                + " decided_by, ruleset_revision, policy_revision, scope_name, mode, inputs";
        return h.createUpdate("INSERT INTO decision (" + cols + ", actor, decided_at) SELECT " + cols
                        + ", :actor, decided_at FROM decision WHERE id = :id")
                .bind("actor", actor).bind("id", id).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /** Inserts a run in {@code state}; terminal states get {@code finishedAt}. Returns its id. */
    public static long run(Handle h, long assetId, long decisionId, String fromTag, String toTag, String toDigest,
                           String state, Instant createdAt, Instant finishedAt, String error) {
        boolean terminal = finishedAt != null;
        return h.createUpdate("INSERT INTO update_run (asset_id, decision_id, from_tag, to_tag, to_digest, state,"
                        + " active_asset_id, attempt, error, created_at, updated_at, started_at, finished_at)"
                        + " VALUES (:asset, :decision, :from, :to, :digest, :state, :active, 1, :error, :created,"
                        + " :updated, :started, :finished)")
                .bind("asset", assetId).bind("decision", decisionId).bind("from", fromTag).bind("to", toTag)
                .bind("digest", toDigest).bind("state", state).bind("active", terminal ? null : assetId)
                .bind("error", error).bind("created", createdAt.atOffset(ZoneOffset.UTC))
                .bind("updated", (terminal ? finishedAt : createdAt).atOffset(ZoneOffset.UTC))
                .bind("started", createdAt.plusSeconds(1).atOffset(ZoneOffset.UTC))
                .bind("finished", terminal ? finishedAt.atOffset(ZoneOffset.UTC) : null)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /** Appends one transition; {@code detailJson} may be null. */
    public static void event(Handle h, long runId, String from, String to, String detailJson, Instant at,
                             boolean postgres) {
        h.createUpdate("INSERT INTO run_event (run_id, from_state, to_state, actor, detail, at) VALUES (:run, :from,"
                        + " :to, 'executor:test', CAST(:detail AS " + (postgres ? "JSONB" : "VARCHAR") + "), :at)")
                .bind("run", runId).bind("from", from).bind("to", to).bind("detail", detailJson)
                .bind("at", at.atOffset(ZoneOffset.UTC)).execute();
    }
}
