-- Version 1, frozen: the statements GORM's AutoMigrate of the row structs
-- ran when this step was introduced, character for character, so
-- sqlite_master holds the same text on databases migrated either way.
CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`username` text NOT NULL,`email` text NOT NULL,`pw_hash` text NOT NULL);
CREATE UNIQUE INDEX `idx_users_username` ON `users`(`username`);
CREATE TABLE `messages` (`id` integer PRIMARY KEY AUTOINCREMENT,`author_id` integer NOT NULL,`text` text NOT NULL,`pub_date` integer NOT NULL,`flagged` numeric NOT NULL DEFAULT false);
CREATE INDEX `idx_messages_author_time` ON `messages`(`author_id`,`pub_date`,`id`);
CREATE INDEX `idx_messages_time` ON `messages`(`pub_date`,`id`);
CREATE TABLE `follows` (`who_id` integer,`whom_id` integer,PRIMARY KEY (`who_id`,`whom_id`));
CREATE INDEX `idx_follows_whom` ON `follows`(`whom_id`);
CREATE TABLE `simulator_latest` (`id` integer,`value` integer NOT NULL,PRIMARY KEY (`id`));
