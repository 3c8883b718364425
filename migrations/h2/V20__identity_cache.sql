-- Safe Updater schema, version 20, H2 only (Flyway reads migrations/h2/ on H2 alone): the identity columns of the
-- four tables a cycle appends to in bulk hand out ids from a cache of 1,000 values instead of H2's default 32.
--
-- Why: when an identity column has used up its cached values, H2 records the new high-water mark in its catalogue
-- and commits that at once, in its own system session; with WRITE_DELAY=0 (Database.java: a killed process keeps its
-- commits) every such commit makes the storage engine store every page changed since its last store, those of the
-- still open transaction included. With a cache of 32 a cycle's first run over 10,000 assets (50,000 tags, 10,000
-- assets and versions, 30,000 decisions) stored 3,269 times and wrote 289 MiB to the file; with 1,000, 239 times and
-- 127 MiB (bin/bench cycle prints both figures).
--
-- What it changes for users: nothing while the process runs, and nothing after a clean shutdown (H2 then records the
-- value actually reached). After a crash or kill -9, ids continue after a gap of at most 1,000. Ids stay increasing
-- in the order rows are inserted: H2's cache is one per database, not per session. PostgreSQL is left alone: its
-- sequence caches are per connection, so cached ids from a pool would not follow insertion order there, and its
-- sequence does not make a commit store anything.
--
-- A table added later that is appended to in bulk needs the same line.
ALTER TABLE asset ALTER COLUMN id SET CACHE 1000;
ALTER TABLE asset_version ALTER COLUMN id SET CACHE 1000;
ALTER TABLE image_tag ALTER COLUMN id SET CACHE 1000;
ALTER TABLE decision ALTER COLUMN id SET CACHE 1000;
