-- Safe Updater schema, version 14 (issue 10): the update_history view for auditors, and the indexes the audit
-- listings (GET /api/v1/updates, /decisions, /audit-events with their filters, newest first) need at scale.
-- One dialect for PostgreSQL 15 and H2 2.x in PostgreSQL mode (STACK.md S1). docs/audit.md documents the view as a
-- stable interface: columns keep their names and meaning; new ones are added at the end.

-- One row per update run: the asset's coordinates, the change, the decision that allowed it (outcome, rules fired,
-- revisions), who approved it, when it ran, how it ended, what the health checks said and whether it was rolled back.
--   approvers        the people whose votes for this candidate (asset, tag, digest) were in force when the decision
--                    was made, comma-separated in name order; null when nobody voted
--   health           the detail (JSON) of the event that ended verification (the run's transition out of VERIFYING);
--                    null when the run never verified
--   rolled_back      TRUE when the run ended ROLLED_BACK or ROLLBACK_FAILED
--   rollback_at      when the rollback started (the transition to ROLLING_BACK)
--   rollback_reason  the detail (JSON) of that transition: why the run was rolled back
CREATE VIEW update_history AS
SELECT r.id AS run_id,
       a.id AS asset_id, a.source, a.cluster, a.namespace, a.kind, a.name, a.container, a.image,
       r.from_tag, r.to_tag, r.from_digest, r.to_digest, d.change_type,
       d.id AS decision_id, d.outcome, d.decided_by, d.fired_rules, d.reasons, d.ruleset_revision,
       d.policy_revision, d.scope_name, d.mode, d.decided_at, d.actor AS decided_for,
       (SELECT STRING_AGG(v.approver, ', ' ORDER BY v.approver)
        FROM approval v
        WHERE v.asset_id = r.asset_id AND v.to_tag = r.to_tag
          AND (v.to_digest = r.to_digest OR (v.to_digest IS NULL AND r.to_digest IS NULL))
          AND v.created_at <= d.decided_at
          AND (v.revoked_at IS NULL OR v.revoked_at > d.decided_at)
          AND (v.expires_at IS NULL OR v.expires_at > d.decided_at)) AS approvers,
       r.created_at, r.started_at, r.finished_at, r.state AS final_state, r.error, r.attempt,
       (SELECT e.detail FROM run_event e WHERE e.run_id = r.id AND e.from_state = 'VERIFYING'
        ORDER BY e.id DESC LIMIT 1) AS health,
       CASE WHEN r.state IN ('ROLLED_BACK', 'ROLLBACK_FAILED') THEN TRUE ELSE FALSE END AS rolled_back,
       (SELECT e.at FROM run_event e WHERE e.run_id = r.id AND e.to_state = 'ROLLING_BACK'
        ORDER BY e.id DESC LIMIT 1) AS rollback_at,
       (SELECT e.detail FROM run_event e WHERE e.run_id = r.id AND e.to_state = 'ROLLING_BACK'
        ORDER BY e.id DESC LIMIT 1) AS rollback_reason
FROM update_run r
JOIN asset a ON a.id = r.asset_id
JOIN decision d ON d.id = r.decision_id;

-- The listings read newest first by time, then id (keyset: WHERE (time, id) < (:t, :id) ORDER BY time DESC, id DESC),
-- alone or with one filter: an index per filter that ends in (time, id) keeps any page, and a time range, an index
-- range scan.
CREATE INDEX ix_run_event_verify ON run_event (run_id, from_state);
CREATE INDEX ix_update_run_created ON update_run (created_at, id);
CREATE INDEX ix_update_run_state_time ON update_run (state, created_at, id);
CREATE INDEX ix_update_run_asset_time ON update_run (asset_id, created_at, id);
CREATE INDEX ix_decision_time_id ON decision (decided_at, id);
CREATE INDEX ix_decision_outcome_time ON decision (outcome, decided_at, id);
CREATE INDEX ix_decision_scope_time ON decision (scope_name, decided_at, id);
CREATE INDEX ix_decision_actor_time ON decision (actor, decided_at, id);
CREATE INDEX ix_decision_asset_time ON decision (asset_id, decided_at, id);
CREATE INDEX ix_asset_source ON asset (source, id);
CREATE INDEX ix_audit_event_at_id ON audit_event (at, id);
CREATE INDEX ix_audit_event_actor_time ON audit_event (actor, at, id);
CREATE INDEX ix_audit_event_action_time ON audit_event (action, at, id);
