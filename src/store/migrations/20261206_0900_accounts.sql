-- Two-factor sign-in: the TOTP secret, encrypted under TOTP_KEY (never stored in clear), and the last
-- time step a code was accepted for, so no code is accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;

-- Single-use recovery codes, stored as SHA-256 (each is 80 random bits).
CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users (id),
  code_hash TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- API tokens have a label and an expiry; those issued before expiry existed get 90 days from now.
ALTER TABLE api_tokens ADD COLUMN label TEXT NOT NULL DEFAULT 'API token';
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days') WHERE expires_at IS NULL;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);

-- A session is 'password' between the password and the second step, 'complete' after both.
ALTER TABLE staff_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'complete' CHECK (stage IN ('password', 'complete'));
-- The browser it was opened in, as its User-Agent said (cut to 200 characters), so a user can tell their sessions apart.
ALTER TABLE staff_sessions ADD COLUMN user_agent TEXT;
CREATE INDEX staff_sessions_by_user ON staff_sessions (user_id, created_at) WHERE ended_at IS NULL;

-- Single-use links emailed to a new user to choose their password; only the token's SHA-256 is stored.
CREATE TABLE setup_links (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);

-- Every failed sign-in, token or link, for the audit and for the alert on a burst of them.
-- user_id only when the attempt named an account that exists; ip as the app saw it (see TRUST_PROXY).
CREATE TABLE access_failures (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('password', 'second_step', 'api_token', 'link', 'setup_link')),
  user_id TEXT,
  ip TEXT NOT NULL
);
CREATE INDEX access_failures_by_time ON access_failures (at);

-- Back-off after repeated failures, by key (an account, an address, a kind of credential): shared by every
-- process on the database, and kept across restarts.
CREATE TABLE throttles (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL,
  blocked_until TEXT
) WITHOUT ROWID;

-- Emails about accounts rather than cases (a set-up link, an alert to the admins): their own queue, sent
-- by the same outbox rules as case notices.
CREATE TABLE account_notices (
  id TEXT PRIMARY KEY,
  template TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id),
  data TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'retrying', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  sent_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX account_notices_due ON account_notices (next_attempt_at) WHERE status IN ('queued', 'retrying');

-- When each kind of security alert was last sent, so a long attack alerts once an hour, not per failure.
CREATE TABLE security_alerts (
  kind TEXT PRIMARY KEY,
  last_sent_at TEXT NOT NULL
) WITHOUT ROWID;
