-- The version table, created before any step under the migration lock.
-- Frozen as GORM first created it; IF NOT EXISTS because every run starts here.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version bigint NOT NULL,
    name text,
    applied_at timestamp with time zone,
    CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);
