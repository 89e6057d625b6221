-- Version 3: accounts that cannot be confused, sessions the server can end,
-- sign-in throttling shared by every replica, and two-factor sign-in. The
-- PostgreSQL file of this step explains each column.
ALTER TABLE users ADD COLUMN name_key text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_secret text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN recovery_codes text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX idx_users_name_key ON users (name_key) WHERE name_key <> '';
CREATE TABLE sessions (token_hash text NOT NULL PRIMARY KEY, user_id integer NOT NULL, created_at integer NOT NULL, expires_at integer NOT NULL);
CREATE INDEX idx_sessions_user ON sessions (user_id);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);
CREATE TABLE sign_in_throttle (key text NOT NULL PRIMARY KEY, failures integer NOT NULL DEFAULT 0, last_failure integer NOT NULL DEFAULT 0, blocked_until integer NOT NULL DEFAULT 0);
