-- bin/bench history: 1,000,000 update runs with their events and decisions, generated inside PostgreSQL
-- (INSERT ... SELECT over generate_series: no round trips). Shapes: 10,000 assets in 20 namespaces, 3 sources,
-- 2,000 images; 1.2 M decisions over ~14 months (5 of 6 APPROVE with a run; HOLD and REJECT otherwise), 5 scopes,
-- a second rule fired in 1 of 7; runs mostly SUCCEEDED, some FAILED / ROLLED_BACK / ROLLBACK_FAILED; 3-4 events per
-- run; one audit event per decision. Runs after the migrations, in the schema of the search path.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO asset (id, source, cluster, namespace, kind, name, container, image, current_tag, labels, annotations,
                   first_seen, updated_at)
SELECT i, (ARRAY['kubernetes', 'docker', 'static'])[1 + i % 3], 'prod', 'ns-' || (i % 20), 'Deployment',
       'svc-' || i, 'app', 'registry.example.com/acme/svc-' || (i % 2000), '1.0.0', '{}', '{}',
       TIMESTAMPTZ '2025-01-01 00:00:00+00', TIMESTAMPTZ '2025-01-01 00:00:00+00'
FROM generate_series(1, 10000) i;
INSERT INTO asset_seen (asset_id, last_seen)
SELECT i, TIMESTAMPTZ '2025-01-01 00:00:00+00' FROM generate_series(1, 10000) i;

INSERT INTO decision (id, asset_id, from_tag, to_tag, from_digest, to_digest, change_type, outcome, reasons,
                      fired_rules, decided_by, ruleset_revision, policy_revision, scope_name, mode, inputs, actor,
                      decided_at)
SELECT g, 1 + g % 10000, '1.' || (g / 10000) || '.0', '1.' || (g / 10000 + 1) || '.0', NULL,
       'sha256:' || md5(g::text) || md5((g + 1)::text),
       (ARRAY['PATCH', 'PATCH', 'PATCH', 'MINOR', 'MINOR', 'MAJOR', 'DIGEST'])[1 + g % 7],
       o.outcome,
       jsonb_build_array(o.reason),
       jsonb_build_array(jsonb_build_object('name', o.rule, 'outcome', o.outcome, 'reason', o.reason,
                                            'metadata', '{}'::jsonb))
           || CASE WHEN g % 7 = 0 THEN jsonb_build_array(jsonb_build_object('name', 'weekend-caution',
                   'outcome', 'HOLD', 'reason', 'weekend', 'metadata', '{}'::jsonb)) ELSE '[]'::jsonb END,
       o.rule, 'rules-' || (g / 100000), 'policy-' || (g / 200000), 'scope-' || (g % 5), 'ENFORCE', '{}',
       CASE WHEN g % 50 = 0 THEN 'api:alice' ELSE 'cycle' END,
       TIMESTAMPTZ '2025-01-01 00:00:00+00' + g * INTERVAL '30 seconds'
FROM generate_series(1, 1200000) g,
     LATERAL (SELECT CASE WHEN g % 6 <> 5 THEN 'APPROVE' WHEN g % 12 = 5 THEN 'HOLD' ELSE 'REJECT' END AS outcome,
                     CASE WHEN g % 6 <> 5 THEN 'change-within-allow' WHEN g % 12 = 5 THEN 'approvals-required'
                          ELSE 'freeze' END AS rule,
                     CASE WHEN g % 6 <> 5 THEN 'within allow' WHEN g % 12 = 5 THEN 'waiting for approvals'
                          ELSE 'frozen' END AS reason) o;

INSERT INTO update_run (id, asset_id, decision_id, from_tag, to_tag, to_digest, state, active_asset_id, attempt,
                        error, created_at, updated_at, started_at, finished_at)
SELECT d.id, d.asset_id, d.id, d.from_tag, d.to_tag, d.to_digest, s.state, NULL, 1,
       CASE WHEN s.state <> 'SUCCEEDED' THEN 'readiness: 0/3 pods ready after 300s' END,
       d.decided_at + INTERVAL '60 seconds', d.decided_at + INTERVAL '300 seconds',
       d.decided_at + INTERVAL '61 seconds', d.decided_at + INTERVAL '300 seconds'
FROM decision d,
     LATERAL (SELECT CASE WHEN d.id % 200 = 1 THEN 'ROLLBACK_FAILED' WHEN d.id % 40 = 2 THEN 'ROLLED_BACK'
                          WHEN d.id % 50 = 3 THEN 'FAILED' ELSE 'SUCCEEDED' END AS state) s
WHERE d.outcome = 'APPROVE';

INSERT INTO run_event (run_id, from_state, to_state, actor, detail, at)
SELECT r.id, e.from_state, e.to_state, 'executor:replica-' || (r.id % 3), e.detail, r.created_at + e.after
FROM update_run r,
     LATERAL (VALUES (1, NULL, 'QUEUED', NULL::jsonb, INTERVAL '0 seconds'),
                     (2, 'APPLYING', 'VERIFYING', NULL::jsonb, INTERVAL '30 seconds'),
                     (3, 'VERIFYING',
                      CASE r.state WHEN 'SUCCEEDED' THEN 'SUCCEEDED' WHEN 'FAILED' THEN 'FAILED' ELSE 'ROLLING_BACK' END,
                      jsonb_build_object('health', jsonb_build_object('ready', CASE WHEN r.state = 'SUCCEEDED'
                          THEN '3/3' ELSE '0/3' END)), INTERVAL '200 seconds'),
                     (4, 'ROLLING_BACK', r.state, NULL::jsonb, INTERVAL '240 seconds')) AS e(n, from_state, to_state,
                                                                                          detail, after)
WHERE e.n < 4 OR r.state IN ('ROLLED_BACK', 'ROLLBACK_FAILED');

INSERT INTO audit_event (at, actor, action, resource_type, resource_id, detail)
SELECT d.decided_at, d.actor, 'asset.decide', 'decision', d.id::text,
       jsonb_build_object('assetId', d.asset_id, 'toTag', d.to_tag, 'outcome', d.outcome, 'mode', d.mode)
FROM decision d ORDER BY d.id;

SELECT setval(pg_get_serial_sequence('asset', 'id'), (SELECT MAX(id) FROM asset));
SELECT setval(pg_get_serial_sequence('decision', 'id'), (SELECT MAX(id) FROM decision));
SELECT setval(pg_get_serial_sequence('update_run', 'id'), (SELECT MAX(id) FROM update_run));
ANALYZE;
