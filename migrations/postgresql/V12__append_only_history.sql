-- Safe Updater schema, version 12 (issue 10), PostgreSQL only: history that cannot be rewritten.
-- Lives in migrations/postgresql/, which Flyway reads only on PostgreSQL (store/Database); H2 has no equivalent and
-- keeps the weaker, convention-only guarantee (docs/audit.md).
--
-- 1. Two roles (NOLOGIN groups; roles are cluster-wide, so they are created once and every schema migrated after
--    that only grants to them). Give login users membership: GRANT safe_updater_app TO <the server's user>.
--      safe_updater_app      what the server needs: read and write everything, except UPDATE, DELETE and TRUNCATE
--                            on the history tables, and only SELECT on the migration history.
--      safe_updater_auditor  read-only SQL access: SELECT on every table and view.
--    Creating them needs CREATEROLE once; without it, have a DBA create both roles (NOLOGIN) before migrating.
-- 2. A trigger on each history table that refuses UPDATE, DELETE and TRUNCATE from every role but the table's owner
--    (the migration owner, who created it), superusers included: even a role granted those privileges by mistake
--    cannot rewrite history. Later migrations (run by the owner) may still correct history on purpose.
-- History tables: decision, run_event, audit_event, asset_version, notification_event, notification_attempt.
-- The approval votes become history with the approvals rework (issue 10, later): that migration must add the
-- vote table to the REVOKE and trigger lists below (today approval rows are renewed and revoked in place).
-- Tables created by later migrations get the app's and the auditor's privileges by the default privileges below;
-- a later history table must REVOKE UPDATE, DELETE, TRUNCATE from safe_updater_app and get the trigger.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'safe_updater_app') THEN
        BEGIN
            CREATE ROLE safe_updater_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created at the same moment by the migration of another schema
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'safe_updater_auditor') THEN
        BEGIN
            CREATE ROLE safe_updater_auditor NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

-- Privileges in this schema, and in tables later migrations create in it.
DO $$
DECLARE
    s text := '${flyway:defaultSchema}';
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO safe_updater_app, safe_updater_auditor', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO safe_updater_app', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO safe_updater_app', s);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO safe_updater_auditor', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', s,
                   'safe_updater_app');
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO safe_updater_app', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO safe_updater_auditor', s);
    -- the server only reads the migration history (to see that nothing is pending)
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I.%I FROM safe_updater_app', s,
                   '${flyway:table}');
END
$$;

REVOKE UPDATE, DELETE, TRUNCATE ON decision, run_event, audit_event, asset_version, notification_event,
    notification_attempt FROM safe_updater_app;

-- Refuses the statement unless the current role owns the table (statement-level: even one that matches no row).
CREATE FUNCTION safe_updater_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    IF (SELECT relowner FROM pg_class WHERE oid = TG_RELID) = (SELECT oid FROM pg_roles WHERE rolname = current_user)
    THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused for role % (only the migration owner may change history)',
        TG_TABLE_NAME, TG_OP, current_user
        USING ERRCODE = 'insufficient_privilege', HINT = 'history is kept for auditors; see docs/audit.md';
END
$$;

CREATE TRIGGER decision_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON decision
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
CREATE TRIGGER run_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON run_event
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
CREATE TRIGGER asset_version_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON asset_version
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
CREATE TRIGGER notification_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON notification_event
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
CREATE TRIGGER notification_attempt_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON notification_attempt
    FOR EACH STATEMENT EXECUTE FUNCTION safe_updater_append_only();
