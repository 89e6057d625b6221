-- Version 1, frozen: exactly what GORM's AutoMigrate of the row structs
-- created when this step was introduced (names, types, defaults, NOT NULL,
-- primary keys and indexes), so databases migrated either way are the same.
CREATE TABLE users (
    id bigserial,
    username varchar(255) NOT NULL,
    email varchar(255) NOT NULL,
    pw_hash varchar(255) NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_users_username ON users (username);

CREATE TABLE messages (
    id bigserial,
    author_id bigint NOT NULL,
    text text NOT NULL,
    pub_date bigint NOT NULL,
    flagged boolean NOT NULL DEFAULT false,
    CONSTRAINT messages_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_messages_author_time ON messages (author_id, pub_date, id);
CREATE INDEX idx_messages_time ON messages (pub_date, id);

CREATE TABLE follows (
    who_id bigint NOT NULL,
    whom_id bigint NOT NULL,
    CONSTRAINT follows_pkey PRIMARY KEY (who_id, whom_id)
);
CREATE INDEX idx_follows_whom ON follows (whom_id);

CREATE TABLE simulator_latest (
    id bigint NOT NULL,
    value bigint NOT NULL,
    CONSTRAINT simulator_latest_pkey PRIMARY KEY (id)
);
