-- An Idempotency-Key now keeps what rebuilds its first response (the case's
-- version, time and snapshot after that event) instead of a copy of the whole
-- response: a small rowid row, no copy of the referral, and no second JSON
-- encoding inside the write transaction. Keys stored before this migration are
-- forgotten: a retry of a request answered before the upgrade is a new request.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
  id INTEGER PRIMARY KEY,
  -- First 16 bytes of SHA-256 over the sender and the key.
  key_hash BLOB NOT NULL UNIQUE,
  request_hash TEXT NOT NULL,
  case_id TEXT NOT NULL REFERENCES cases (id),
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  snapshot TEXT NOT NULL
);
