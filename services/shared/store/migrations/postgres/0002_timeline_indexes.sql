-- Version 2: indexes over unflagged messages only, which the timelines read
-- (see messages.go): one author's newest first (user timeline, and each
-- followee's page of a home timeline), and everyone's newest first with the
-- author beside the key, so a home timeline tests its follow set from the
-- index alone. idx_messages_time stays for binaries of the previous release
-- during a rollout; a later step can drop it.
--
-- This step runs outside a transaction (concurrent in migrate.go):
-- CONCURRENTLY builds each index while the table keeps taking writes, where
-- a plain CREATE INDEX would hold tweets for the whole build (about 10 s
-- each on 5,000,000 messages). A build that fails leaves an INVALID index
-- behind; dropping it first makes a rerun of the step start clean.
DROP INDEX CONCURRENTLY IF EXISTS idx_messages_author_unflagged;
CREATE INDEX CONCURRENTLY idx_messages_author_unflagged ON messages (author_id, pub_date, id) WHERE NOT flagged;
DROP INDEX CONCURRENTLY IF EXISTS idx_messages_time_unflagged;
CREATE INDEX CONCURRENTLY idx_messages_time_unflagged ON messages (pub_date, id) INCLUDE (author_id) WHERE NOT flagged;
