-- Caseload pages: walk an index in page order and fetch only the page's rows.
DROP INDEX cases_by_stage;
DROP INDEX cases_by_created;
CREATE INDEX cases_by_created ON cases (created_at, id);
CREATE INDEX cases_by_stage ON cases (stage, created_at, id);

-- A facilitator's caseload in the same order, without touching the cases they do not hold.
ALTER TABLE case_facilitators ADD COLUMN case_created_at TEXT NOT NULL DEFAULT '';
UPDATE case_facilitators SET case_created_at = (SELECT created_at FROM cases WHERE cases.id = case_facilitators.case_id);
CREATE INDEX case_facilitators_caseload ON case_facilitators (user_id, case_created_at, case_id);
DROP INDEX case_facilitators_by_user;
