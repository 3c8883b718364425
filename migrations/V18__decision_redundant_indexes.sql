-- Safe Updater schema, version 18: two indexes on decision that later ones cover. V14's (decided_at, id) serves
-- every lookup by time that (decided_at) served, and (outcome, decided_at, id) every lookup by outcome that
-- (outcome, id) served (the held-for-approval queue filters by outcome and orders by its own expression). Each
-- index on this append-only table is one more B-tree written per decision, and a cycle appends thousands.
DROP INDEX ix_decision_time;
DROP INDEX ix_decision_outcome;
