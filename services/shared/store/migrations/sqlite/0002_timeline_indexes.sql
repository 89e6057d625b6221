-- Version 2: indexes over unflagged messages only, which the timelines read
-- (see messages.go): one author's newest first, and everyone's newest first
-- with the author in the key (SQLite has no INCLUDE), so a home timeline
-- tests its follow set from the index alone.
CREATE INDEX idx_messages_author_unflagged ON messages (author_id, pub_date, id) WHERE NOT flagged;
CREATE INDEX idx_messages_time_unflagged ON messages (pub_date, id, author_id) WHERE NOT flagged;
