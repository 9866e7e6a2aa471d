-- Whether a case's timers fire: all of them ('running'), only the one that ends a
-- pause ('paused'), or none while they wait ('held': machine v2, while a closure
-- awaits sign-off). Set from the chart with every event, like the stage.
ALTER TABLE cases ADD COLUMN clocks TEXT NOT NULL DEFAULT 'running' CHECK (clocks IN ('running', 'paused', 'held'));
UPDATE cases SET clocks = 'paused' WHERE paused = 1;

-- Work the case asks of its facilitators, such as reaching a party whose email
-- could not be delivered. Open until resolved with a note (RESOLVE_TASK) or
-- cleared when the case closes; either way by the history row named in resolved_seq.
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  kind TEXT NOT NULL CHECK (kind IN ('notice_undeliverable')),
  notice_id TEXT REFERENCES notices (id),
  created_at TEXT NOT NULL,
  resolved_at TEXT,
  resolved_seq INTEGER,
  resolution TEXT
);
CREATE INDEX tasks_open ON tasks (case_id) WHERE resolved_at IS NULL;
CREATE INDEX tasks_by_case ON tasks (case_id, created_at);
-- A party's notice that failed before this release is an open task; its id is the notice's.
INSERT INTO tasks (id, case_id, kind, notice_id, created_at)
  SELECT id, case_id, 'notice_undeliverable', id, created_at FROM notices
  WHERE status = 'failed' AND recipient NOT IN ('facilitators', 'supervisors');

-- The sensitive offence types a facilitator is trained for (a JSON array of flags).
ALTER TABLE users ADD COLUMN trained_for TEXT NOT NULL DEFAULT '[]';

-- A replayed response is rebuilt on the machine version the first request ran on.
ALTER TABLE idempotency_keys ADD COLUMN machine_version INTEGER NOT NULL DEFAULT 1;
