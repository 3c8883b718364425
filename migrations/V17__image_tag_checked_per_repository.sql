-- Safe Updater schema, version 17: when a tag was last checked, and the last lookup error, are kept once per
-- repository (image_repository.last_success and .error, V3) instead of on every tag row. Every listed tag of a
-- repository was checked at the same moment, so the per-tag copies said nothing more and cost one rewrite of
-- every tag row per lookup. Readers join image_repository (ImageTagDao).
ALTER TABLE image_tag DROP COLUMN last_checked;
ALTER TABLE image_tag DROP COLUMN stale_error;
