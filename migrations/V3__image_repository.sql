-- Safe Updater schema, version 3: the state of each registry repository's last tag lookup.
-- image_tag (V1) holds one row per tag; this table says when the repository was last looked up, whether that
-- worked, and the error when it did not, so an image whose very first lookup failed is still visibly stale.
-- One dialect for PostgreSQL 15 and H2 2.x in PostgreSQL mode (STACK.md S1).
CREATE TABLE image_repository (
    image         VARCHAR(512) NOT NULL PRIMARY KEY,      -- canonical registry/repository, e.g. docker.io/library/nginx
    tag_count     INTEGER      NOT NULL DEFAULT 0,        -- tags in the last successful listing
    last_attempt  TIMESTAMP WITH TIME ZONE NOT NULL,
    last_success  TIMESTAMP WITH TIME ZONE,
    error         VARCHAR(2000)                           -- last lookup error; null when the last lookup worked
);
