-- Safe Updater schema, version 16 (issue 10), PostgreSQL only: approval votes are history (V15), enforced as V12
-- enforces the other history tables: the app role may not UPDATE, DELETE or TRUNCATE them, and the trigger refuses
-- those statements for every role but the tables' owner. `approval` (the votes before V15) is frozen the same way.
-- Also an index for the decisions listing's "rule fired" filter (JSONB containment), which H2 has no equivalent of.

REVOKE UPDATE, DELETE, TRUNCATE ON approval_vote, approval FROM safe_updater_app;

CREATE TRIGGER approval_vote_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON approval_vote
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
CREATE TRIGGER approval_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON approval
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();

CREATE INDEX ix_decision_fired_rules ON decision USING GIN (fired_rules jsonb_path_ops);
