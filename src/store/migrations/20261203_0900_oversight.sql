-- What oversight and reports read of a case, kept with it by every event (see src/cases/caseSummary.ts):
-- the summary (a fold over the history), and columns taken from the snapshot that dashboards filter on.
ALTER TABLE cases ADD COLUMN summary TEXT;
ALTER TABLE cases ADD COLUMN agency TEXT NOT NULL DEFAULT '';
UPDATE cases SET agency = coalesce(json_extract(referral, '$.referrer.agency'), '');
-- 'risk_approval' or 'closure_sign_off' while a supervisor's decision is awaited.
ALTER TABLE cases ADD COLUMN waiting_for TEXT;
ALTER TABLE cases ADD COLUMN paused_until TEXT;
ALTER TABLE cases ADD COLUMN items_overdue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN process TEXT;
ALTER TABLE cases ADD COLUMN closure_reason TEXT;
-- The earliest Victims' Code deadline not yet met, while the case is open.
ALTER TABLE cases ADD COLUMN clock_due_at TEXT;
UPDATE cases SET
  waiting_for = CASE
    WHEN json_extract(snapshot, '$.value') = 'closing' THEN 'closure_sign_off'
    WHEN json_extract(snapshot, '$.value.open.riskAssessment') = 'awaitingApproval' THEN 'risk_approval' END,
  paused_until = CASE WHEN paused = 1 THEN json_extract(snapshot, '$.context.pause.until') END,
  items_overdue = (SELECT count(*) FROM json_each(snapshot, '$.context.agreement') i
                   WHERE json_extract(i.value, '$.status') = 'pending' AND json_extract(i.value, '$.overdue')),
  process = json_extract(snapshot, '$.context.process'),
  closure_reason = json_extract(snapshot, '$.context.closureReason');

CREATE INDEX cases_waiting ON cases (waiting_for) WHERE waiting_for IS NOT NULL;
CREATE INDEX cases_paused_until ON cases (paused_until) WHERE paused = 1;
CREATE INDEX cases_items_overdue ON cases (items_overdue) WHERE items_overdue > 0;
CREATE INDEX cases_clock_due ON cases (clock_due_at) WHERE clock_due_at IS NOT NULL;
CREATE INDEX cases_active_by_updated ON cases (updated_at) WHERE status = 'active' AND paused = 0;

-- How long each case spent in each stage, over all its stays there (re-entered after a revised risk, say).
CREATE TABLE case_stage_times (
  case_id TEXT NOT NULL REFERENCES cases (id),
  stage TEXT NOT NULL,
  ms INTEGER NOT NULL,
  PRIMARY KEY (case_id, stage)
) WITHOUT ROWID;

-- Each facilitator's open cases by stage, kept by every event that allocates, moves or closes a case.
CREATE TABLE facilitator_open_cases (
  user_id TEXT NOT NULL REFERENCES users (id),
  stage TEXT NOT NULL,
  cases INTEGER NOT NULL,
  PRIMARY KEY (user_id, stage)
) WITHOUT ROWID;
INSERT INTO facilitator_open_cases (user_id, stage, cases)
  SELECT f.user_id, c.stage, count(*) FROM case_facilitators f JOIN cases c ON c.id = f.case_id
  WHERE c.status = 'active' GROUP BY f.user_id, c.stage;

-- Case supervision sessions for practitioners (at least every 12 weeks).
CREATE TABLE supervision_sessions (
  id TEXT PRIMARY KEY,
  facilitator_id TEXT NOT NULL REFERENCES users (id),
  held_on TEXT NOT NULL,
  note TEXT NOT NULL,
  recorded_by TEXT NOT NULL REFERENCES users (id),
  recorded_at TEXT NOT NULL
);
CREATE INDEX supervision_by_facilitator ON supervision_sessions (facilitator_id, held_on);

-- The audit's access log: opening a case page or its history, and each export.
ALTER TABLE case_views ADD COLUMN kind TEXT NOT NULL DEFAULT 'case';
