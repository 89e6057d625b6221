-- The version table, created before any step. Frozen as GORM first created
-- it; IF NOT EXISTS because every run starts here.
CREATE TABLE IF NOT EXISTS `schema_migrations` (`version` integer,`name` text,`applied_at` datetime,PRIMARY KEY (`version`));
