-- Staff sign-in sessions, held on the server: the cookie carries only a random token, and only its
-- SHA-256 is stored. A session ends after 30 minutes idle or 12 hours in all, or at sign-out.
CREATE TABLE staff_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  -- The synchronizer token every state-changing form carries.
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT,
  -- What the next page says once (a confirmation after a form), as JSON.
  flash TEXT
) WITHOUT ROWID;
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

-- Caseloads sorted by the last change.
CREATE INDEX cases_by_updated ON cases (updated_at, id);

-- Start-up looks for cases in flight on an older machine version: by this index it reads only those.
CREATE INDEX cases_active_by_machine ON cases (machine_version) WHERE status = 'active';
