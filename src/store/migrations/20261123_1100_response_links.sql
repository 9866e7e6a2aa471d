-- Links emailed to parties. Only a hash of each token is stored; the token itself is derived
-- from the link id with a secret held outside the database, so a copy of the database opens nothing.
CREATE TABLE response_links (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  case_id TEXT NOT NULL REFERENCES cases (id),
  notice_id TEXT NOT NULL,
  party TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'withdrawal', 'feedback')),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX response_links_by_notice ON response_links (notice_id);
CREATE INDEX response_links_open ON response_links (case_id, party, purpose) WHERE used_at IS NULL AND revoked_at IS NULL;

-- A short session a party opens by pressing the button behind their link.
CREATE TABLE party_sessions (
  token_hash TEXT PRIMARY KEY,
  link_id TEXT NOT NULL REFERENCES response_links (id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE feedback (
  id INTEGER PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  party TEXT NOT NULL,
  link_id TEXT NOT NULL UNIQUE REFERENCES response_links (id),
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment TEXT,
  at TEXT NOT NULL
);
CREATE INDEX feedback_by_case ON feedback (case_id);
