-- Safe Updater schema, version 9 (issue 9): what the update-run executor needs beyond V1's update_run.
-- A decision becomes at most one run (the planner is idempotent, also across replicas).
ALTER TABLE update_run ADD CONSTRAINT uq_update_run_decision UNIQUE (decision_id);
-- The full image references the run moves between (repository as the inventory recorded it, plus tag).
ALTER TABLE update_run ADD COLUMN from_image VARCHAR(700);
ALTER TABLE update_run ADD COLUMN to_image VARCHAR(700);
-- Why a queued run has not started yet (maintenance window, freeze, limits); null when it is not waiting.
-- Not a transition: no run_event is written for it.
ALTER TABLE update_run ADD COLUMN waiting VARCHAR(500);
-- TRUE when the run is rolled back because the new version failed its health checks: the version is then pinned.
ALTER TABLE update_run ADD COLUMN unhealthy BOOLEAN NOT NULL DEFAULT FALSE;
-- TRUE when a queued run ended FAILED because its decision, made again before it started, no longer approved it:
-- the workload was not touched and the failure does not start the scope's failureCooldown.
ALTER TABLE update_run ADD COLUMN superseded BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ix_update_run_lease ON update_run (lease_owner, state);
