-- Members, their server-side sessions, single-use tokens and sign-in failures.
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Times are Unix
-- seconds (DOUBLE PRECISION), dates ISO text (YYYY-MM-DD sorts correctly).
-- Keys say NOT NULL because SQLite would otherwise accept a NULL key.

CREATE TABLE members (
    email TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    cohort TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    access_ends TEXT,
    created_at DOUBLE PRECISION NOT NULL
);

-- Only the SHA-256 of a session id is stored: a copy of the database does
-- not give anyone a working cookie.
CREATE TABLE sessions (
    id_hash TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL REFERENCES members (email) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL,
    -- created_at plus the absolute session age allowed when it was issued.
    expires_at DOUBLE PRECISION NOT NULL,
    last_seen DOUBLE PRECISION NOT NULL,
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_email ON sessions (email);

CREATE TABLE tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL REFERENCES members (email) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    used_at DOUBLE PRECISION
);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

-- One row per throttled key ("address:..." or "pair:..."): the failures in
-- the current run and when the last one happened.
CREATE TABLE login_failures (
    throttle_key TEXT NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure DOUBLE PRECISION NOT NULL
);
CREATE INDEX login_failures_by_time ON login_failures (last_failure);

-- Facts about the database itself, e.g. which accounts files were imported.
CREATE TABLE gateway_meta (
    meta_key TEXT NOT NULL PRIMARY KEY,
    meta_value TEXT NOT NULL
);
