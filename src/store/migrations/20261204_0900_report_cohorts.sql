-- The commissioner's report reads a period's cases from a narrow table in referral order, not from their
-- rows: what it counts by, taken from each case's columns and summary. Triggers keep it, in the same
-- transaction as the event that changed the case. A new Victims' Code clock needs its two columns here.
CREATE TABLE case_report_cohort (
  created_at TEXT NOT NULL,
  case_id TEXT NOT NULL REFERENCES cases (id),
  agency TEXT NOT NULL,
  process TEXT,
  closure_reason TEXT,
  closed INTEGER NOT NULL,
  contacted INTEGER NOT NULL,
  consented INTEGER NOT NULL,
  meeting_held INTEGER NOT NULL,
  agreement_made INTEGER NOT NULL,
  agreement_completed INTEGER NOT NULL,
  -- A clock's standing once settled (met, met late, or stopped unmet), else null; and its deadline, for overdue or running.
  victim_contacted_standing TEXT,
  victim_contacted_due TEXT,
  rj_information_offered_standing TEXT,
  rj_information_offered_due TEXT,
  PRIMARY KEY (created_at, case_id)
) WITHOUT ROWID;

CREATE VIEW case_report_facts AS
SELECT created_at, id AS case_id, agency, process, closure_reason, status = 'closed' AS closed,
  summary ->> '$.contactedAt' IS NOT NULL AS contacted,
  summary ->> '$.consentedAt' IS NOT NULL AS consented,
  summary ->> '$.meetingHeldAt' IS NOT NULL AS meeting_held,
  summary ->> '$.agreementMadeAt' IS NOT NULL AS agreement_made,
  summary ->> '$.agreementCompletedAt' IS NOT NULL AS agreement_completed,
  CASE WHEN summary ->> '$.clocks.victimContacted.metAt' IS NOT NULL
         THEN CASE WHEN summary ->> '$.clocks.victimContacted.metAt' <= summary ->> '$.clocks.victimContacted.dueBy' THEN 'met' ELSE 'met_late' END
       WHEN summary ->> '$.clocksStoppedAt' IS NOT NULL THEN 'stopped' END AS victim_contacted_standing,
  summary ->> '$.clocks.victimContacted.dueBy' AS victim_contacted_due,
  CASE WHEN summary ->> '$.clocks.rjInformationOffered.metAt' IS NOT NULL
         THEN CASE WHEN summary ->> '$.clocks.rjInformationOffered.metAt' <= summary ->> '$.clocks.rjInformationOffered.dueBy' THEN 'met' ELSE 'met_late' END
       WHEN summary ->> '$.clocksStoppedAt' IS NOT NULL THEN 'stopped' END AS rj_information_offered_standing,
  summary ->> '$.clocks.rjInformationOffered.dueBy' AS rj_information_offered_due
FROM cases;

INSERT INTO case_report_cohort SELECT * FROM case_report_facts;

CREATE TRIGGER case_report_cohort_on_insert AFTER INSERT ON cases BEGIN
  INSERT OR REPLACE INTO case_report_cohort SELECT * FROM case_report_facts WHERE case_id = NEW.id;
END;
CREATE TRIGGER case_report_cohort_on_update AFTER UPDATE OF agency, process, closure_reason, status, summary ON cases BEGIN
  INSERT OR REPLACE INTO case_report_cohort SELECT * FROM case_report_facts WHERE case_id = NEW.id;
END;

-- Time in each stage, by the cohort of the case's referral: each stay keeps the case's created_at, so a
-- stage's median and 90th percentile are read along this index in order of time, not by sorting every stay.
ALTER TABLE case_stage_times ADD COLUMN case_created_at TEXT NOT NULL DEFAULT '';
UPDATE case_stage_times SET case_created_at = (SELECT created_at FROM cases WHERE cases.id = case_stage_times.case_id);
CREATE INDEX case_stage_times_by_time ON case_stage_times (stage, ms, case_created_at);
