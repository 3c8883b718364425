-- Safe Updater schema, version 19: the two timestamps every cycle renews move out of the wide rows into narrow
-- tables. A steady cycle (nothing changed) set asset.last_seen on every tracked asset and asset_plan.cycle_id and
-- evaluated_at on every plan row; H2 (MVStore) rewrites the whole row on every update, and asset and asset_plan rows
-- carry JSON (labels, annotations, details, waits_for, candidates): renewing one timestamp of 10,000 rows took
-- ~400-500 ms on such a table against ~35-40 ms on an (id, timestamp) table, and the two updates were ~40% of a
-- steady H2 cycle. Now a steady scan writes only asset_seen and a steady cycle only plan_evaluation.
-- No view, trigger or index uses the moved columns.

-- When a scan (or the API) last saw the asset: one row per asset, written with the asset.
CREATE TABLE asset_seen (
    asset_id   BIGINT NOT NULL PRIMARY KEY REFERENCES asset (id),
    last_seen  TIMESTAMP WITH TIME ZONE NOT NULL
);
INSERT INTO asset_seen (asset_id, last_seen) SELECT id, last_seen FROM asset;
ALTER TABLE asset DROP COLUMN last_seen;

-- The last cycle that evaluated (or marked stale) the asset's plan row, and when it evaluated it: one row per
-- asset_plan row.
CREATE TABLE plan_evaluation (
    asset_id      BIGINT NOT NULL PRIMARY KEY REFERENCES asset (id),
    cycle_id      BIGINT NOT NULL,                    -- the last cycle that evaluated the asset
    evaluated_at  TIMESTAMP WITH TIME ZONE            -- null: never evaluated (stale from the first look)
);
INSERT INTO plan_evaluation (asset_id, cycle_id, evaluated_at) SELECT asset_id, cycle_id, evaluated_at FROM asset_plan;
ALTER TABLE asset_plan DROP COLUMN cycle_id;
ALTER TABLE asset_plan DROP COLUMN evaluated_at;
