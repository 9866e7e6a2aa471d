CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('facilitator', 'supervisor', 'admin')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  machine_version INTEGER NOT NULL,
  version INTEGER NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
  paused INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  referral TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX cases_by_stage ON cases (stage, created_at);
CREATE INDEX cases_by_created ON cases (created_at);

CREATE TABLE case_facilitators (
  case_id TEXT NOT NULL REFERENCES cases (id),
  user_id TEXT NOT NULL REFERENCES users (id),
  PRIMARY KEY (case_id, user_id)
) WITHOUT ROWID;
CREATE INDEX case_facilitators_by_user ON case_facilitators (user_id, case_id);

-- Append-only and hash-chained: each row's hash covers the previous row's hash and its own content.
CREATE TABLE history (
  seq INTEGER PRIMARY KEY,
  case_id TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX history_by_case ON history (case_id, seq);
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

CREATE TABLE timers (
  id INTEGER PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  key TEXT NOT NULL,
  event TEXT NOT NULL,
  due_at TEXT NOT NULL,
  while_paused INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled', 'void')),
  created_seq INTEGER NOT NULL,
  settled_at TEXT
);
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'pending';
CREATE INDEX timers_by_case ON timers (case_id, key) WHERE status = 'pending';

CREATE TABLE notices (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  seq INTEGER NOT NULL,
  template TEXT NOT NULL,
  recipient TEXT NOT NULL,
  data TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'retrying', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  sent_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX notices_by_case ON notices (case_id, created_at);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status IN ('queued', 'retrying');

CREATE TABLE idempotency_keys (
  actor_key TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (actor_key, key)
) WITHOUT ROWID;

CREATE TABLE case_views (
  case_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX case_views_by_case ON case_views (case_id, at);
