-- Version 3: accounts that cannot be confused, sessions the server can end,
-- sign-in throttling shared by every replica, and two-factor sign-in.
--
-- users.name_key is the username after the rule set's normalisation and
-- case folding (domain rules, computed in Go; '' for legacy rows whose key
-- collides with another user's, which minitwit-admin verify reports).
-- It is unique where set, so two new accounts cannot differ only in case,
-- composition or width. users.totp_secret is '' while two-factor sign-in
-- is off; totp_last_step is the last accepted 30 s step (no code twice);
-- recovery_codes holds the hashes of the unused one-time codes, space
-- separated, so moving or backing up users keeps them.
ALTER TABLE users ADD COLUMN name_key varchar(255) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_secret varchar(64) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN recovery_codes text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX idx_users_name_key ON users (name_key) WHERE name_key <> '';

-- One row per signed-in browser. The cookie holds a random token; only its
-- SHA-256 (hex) is stored, so a copy of the table signs nobody in. Sign-out
-- deletes the row; a password change or minitwit-admin revoke-sessions
-- deletes all of a user's rows. Times are Unix seconds.
CREATE TABLE sessions (
    token_hash varchar(64) NOT NULL,
    user_id bigint NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (token_hash)
);
CREATE INDEX idx_sessions_user ON sessions (user_id);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);

-- Failed sign-ins per key ("user:<name_key>" or "client:<address>"): the
-- count in the current run of failures, the time of the last one and until
-- when the key is refused (Unix seconds). The database is the state every
-- replica shares.
CREATE TABLE sign_in_throttle (
    key varchar(320) NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    last_failure bigint NOT NULL DEFAULT 0,
    blocked_until bigint NOT NULL DEFAULT 0,
    CONSTRAINT sign_in_throttle_pkey PRIMARY KEY (key)
);
