-- The PostgreSQL schema, as the SQLite one stood after its migrations up to 20261207 (privacy).
-- Times are ISO-8601 text and JSON is text, exactly as SQLite stores them: a history row's hash covers its
-- stored text, so both stores hash the same bytes and a database moves between them with its chain intact.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('facilitator', 'supervisor', 'admin')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT,
  trained_for TEXT NOT NULL DEFAULT '[]',
  totp_secret TEXT,
  totp_last_step BIGINT,
  last_sign_in_at TEXT
);
-- SQLite's email column is COLLATE NOCASE: one account per address, whatever its case.
CREATE UNIQUE INDEX users_by_email ON users (lower(email));

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  label TEXT NOT NULL DEFAULT 'API token',
  expires_at TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);

CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users (id),
  code_hash TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE setup_links (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);

CREATE TABLE staff_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT,
  flash TEXT,
  stage TEXT NOT NULL DEFAULT 'complete' CHECK (stage IN ('password', 'complete')),
  user_agent TEXT
);
CREATE INDEX staff_sessions_by_user ON staff_sessions (user_id, created_at) WHERE ended_at IS NULL;
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

CREATE TABLE access_failures (
  id BIGSERIAL PRIMARY KEY,
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('password', 'second_step', 'api_token', 'link', 'setup_link')),
  user_id TEXT,
  ip TEXT NOT NULL
);
CREATE INDEX access_failures_by_time ON access_failures (at);

CREATE TABLE throttles (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL,
  blocked_until TEXT
);

CREATE TABLE security_alerts (
  kind TEXT PRIMARY KEY,
  last_sent_at TEXT NOT NULL
);

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
  created_at TEXT NOT NULL,
  -- Until when one instance holds it to send: another takes it only after (see the outbox).
  lease_until TEXT
);
CREATE INDEX account_notices_due ON account_notices (next_attempt_at) WHERE status IN ('queued', 'retrying');

CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  -- The order cases were made in: the number in their reference.
  number BIGSERIAL NOT NULL UNIQUE,
  reference TEXT NOT NULL UNIQUE,
  machine_version INTEGER NOT NULL,
  version INTEGER NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
  paused INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  referral TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  clocks TEXT NOT NULL DEFAULT 'running' CHECK (clocks IN ('running', 'paused', 'held')),
  summary TEXT,
  agency TEXT NOT NULL DEFAULT '',
  waiting_for TEXT,
  paused_until TEXT,
  items_overdue INTEGER NOT NULL DEFAULT 0,
  process TEXT,
  closure_reason TEXT,
  clock_due_at TEXT,
  closed_at TEXT,
  retain_until TEXT,
  anonymised_at TEXT
);
CREATE INDEX cases_active_by_machine ON cases (machine_version) WHERE status = 'active';
CREATE INDEX cases_active_by_updated ON cases (updated_at) WHERE status = 'active' AND paused = 0;
CREATE INDEX cases_by_created ON cases (created_at, id);
CREATE INDEX cases_by_retention ON cases (retain_until) WHERE anonymised_at IS NULL;
CREATE INDEX cases_by_stage ON cases (stage, created_at, id);
CREATE INDEX cases_by_updated ON cases (updated_at, id);
CREATE INDEX cases_clock_due ON cases (clock_due_at) WHERE clock_due_at IS NOT NULL;
CREATE INDEX cases_items_overdue ON cases (items_overdue) WHERE items_overdue > 0;
CREATE INDEX cases_paused_until ON cases (paused_until) WHERE paused = 1;
CREATE INDEX cases_waiting ON cases (waiting_for) WHERE waiting_for IS NOT NULL;
CREATE INDEX cases_by_reference ON cases (reference text_pattern_ops);

CREATE TABLE case_facilitators (
  case_id TEXT NOT NULL REFERENCES cases (id),
  user_id TEXT NOT NULL REFERENCES users (id),
  case_created_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_facilitators_caseload ON case_facilitators (user_id, case_created_at, case_id);

CREATE TABLE facilitator_open_cases (
  user_id TEXT NOT NULL REFERENCES users (id),
  stage TEXT NOT NULL,
  cases INTEGER NOT NULL,
  PRIMARY KEY (user_id, stage)
);

CREATE TABLE case_stage_times (
  case_id TEXT NOT NULL REFERENCES cases (id),
  stage TEXT NOT NULL,
  ms BIGINT NOT NULL,
  case_created_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, stage)
);
CREATE INDEX case_stage_times_by_time ON case_stage_times (stage, ms, case_created_at);

CREATE TABLE case_views (
  id BIGSERIAL PRIMARY KEY,
  case_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'case'
);
CREATE INDEX case_views_by_case ON case_views (case_id, at);

-- The single chain's tip: every history row is appended under this row's lock, so seqs and links
-- follow commit order across every instance (doc/architecture/decisions/0011-postgresql-store.md).
CREATE TABLE chain_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
-- Seq 0 and the genesis hash, the prev_hash of the first row: there is always a row to lock.
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- Rule 2 from seq 1 for a chain begun here (written with its first row); a chain moved from SQLite brings its own.
CREATE TABLE chain_rules (rule INTEGER PRIMARY KEY, from_seq BIGINT NOT NULL);

CREATE TABLE history (
  seq BIGINT PRIMARY KEY,
  case_id TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  content_hash TEXT
);
CREATE INDEX history_by_case ON history (case_id, seq);

CREATE TABLE history_content (
  seq BIGINT PRIMARY KEY REFERENCES history (seq),
  salt TEXT,
  content TEXT,
  erased_at TEXT,
  erased_reason TEXT,
  CHECK ((salt IS NULL) = (content IS NULL)),
  CHECK ((content IS NULL) = (erased_at IS NOT NULL))
);
CREATE INDEX history_content_erased ON history_content (seq) WHERE erased_at IS NOT NULL;

CREATE TABLE resealed_rows (
  seq BIGINT PRIMARY KEY REFERENCES history (seq),
  digest TEXT NOT NULL,
  by_seq BIGINT NOT NULL REFERENCES history (seq)
);

CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
CREATE TRIGGER chain_rules_fixed BEFORE UPDATE OR DELETE ON chain_rules FOR EACH ROW EXECUTE FUNCTION refuse('chain rules are fixed once recorded');
CREATE TRIGGER history_no_delete BEFORE DELETE ON history FOR EACH ROW EXECUTE FUNCTION refuse('history is append-only');
-- The one change allowed: an erasure reseals a rule-1 row once, giving it a content hash and changing nothing else (ADR 0010).
CREATE TRIGGER history_no_update BEFORE UPDATE ON history FOR EACH ROW
  WHEN (NOT (OLD.content_hash IS NULL AND NEW.content_hash IS NOT NULL
             AND NEW.seq = OLD.seq AND NEW.case_id = OLD.case_id AND NEW.type = OLD.type AND NEW.actor = OLD.actor AND NEW.at = OLD.at
             AND NEW.from_state IS NOT DISTINCT FROM OLD.from_state AND NEW.to_state = OLD.to_state
             AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash))
  EXECUTE FUNCTION refuse('history is append-only');
CREATE FUNCTION reseal_rule_1_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seq >= (SELECT from_seq FROM chain_rules WHERE rule = 2) THEN
    RAISE EXCEPTION 'history is append-only';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER history_reseal_rule_1_only BEFORE UPDATE ON history FOR EACH ROW EXECUTE FUNCTION reseal_rule_1_only();
CREATE TRIGGER history_content_no_delete BEFORE DELETE ON history_content FOR EACH ROW EXECUTE FUNCTION refuse('history content can only be erased');
CREATE TRIGGER history_content_erase_only BEFORE UPDATE ON history_content FOR EACH ROW WHEN (NEW.content IS NOT NULL)
  EXECUTE FUNCTION refuse('history content can only be erased');

CREATE TABLE timers (
  id BIGSERIAL PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  key TEXT NOT NULL,
  event TEXT NOT NULL,
  due_at TEXT NOT NULL,
  while_paused INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled', 'void')),
  created_seq BIGINT NOT NULL,
  settled_at TEXT,
  lease_until TEXT
);
CREATE INDEX timers_by_case ON timers (case_id, key) WHERE status = 'pending';
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'pending';

CREATE TABLE notices (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  seq BIGINT NOT NULL,
  template TEXT NOT NULL,
  recipient TEXT NOT NULL,
  data TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'retrying', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  sent_at TEXT,
  created_at TEXT NOT NULL,
  lease_until TEXT
);
CREATE INDEX notices_by_case ON notices (case_id, created_at);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status IN ('queued', 'retrying');

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  kind TEXT NOT NULL CHECK (kind IN ('notice_undeliverable')),
  notice_id TEXT REFERENCES notices (id),
  created_at TEXT NOT NULL,
  resolved_at TEXT,
  resolved_seq BIGINT,
  resolution TEXT
);
CREATE INDEX tasks_by_case ON tasks (case_id, created_at);
CREATE INDEX tasks_open ON tasks (case_id) WHERE resolved_at IS NULL;

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

CREATE TABLE party_sessions (
  token_hash TEXT PRIMARY KEY,
  link_id TEXT NOT NULL REFERENCES response_links (id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX party_sessions_expiry ON party_sessions (expires_at);

CREATE TABLE feedback (
  id BIGSERIAL PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  party TEXT NOT NULL,
  link_id TEXT NOT NULL UNIQUE REFERENCES response_links (id),
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment TEXT,
  at TEXT NOT NULL
);
CREATE INDEX feedback_by_case ON feedback (case_id);

CREATE TABLE idempotency_keys (
  id BIGSERIAL PRIMARY KEY,
  -- First 16 bytes of SHA-256 over the sender and the key.
  key_hash BYTEA NOT NULL UNIQUE,
  request_hash TEXT NOT NULL,
  case_id TEXT NOT NULL REFERENCES cases (id),
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  machine_version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (at);

CREATE TABLE legal_holds (
  case_id TEXT PRIMARY KEY REFERENCES cases (id),
  reason TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL
);

CREATE TABLE supervision_sessions (
  id TEXT PRIMARY KEY,
  facilitator_id TEXT NOT NULL REFERENCES users (id),
  held_on TEXT NOT NULL,
  note TEXT NOT NULL,
  recorded_by TEXT NOT NULL REFERENCES users (id),
  recorded_at TEXT NOT NULL
);
CREATE INDEX supervision_by_facilitator ON supervision_sessions (facilitator_id, held_on);

CREATE TABLE readiness_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  checked_at TEXT NOT NULL
);

-- Request rate limits, shared by every instance: hits per key in the window that started at window_start.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  window_start TEXT NOT NULL,
  hits INTEGER NOT NULL
);

-- The commissioner's report reads this copy of each case's coded facts, kept by trigger (ADR 0009).
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
  victim_contacted_standing TEXT,
  victim_contacted_due TEXT,
  rj_information_offered_standing TEXT,
  rj_information_offered_due TEXT,
  PRIMARY KEY (created_at, case_id)
);

CREATE VIEW case_report_facts AS
SELECT created_at, id AS case_id, agency, process, closure_reason, (status = 'closed')::int AS closed,
  (s ->> 'contactedAt' IS NOT NULL)::int AS contacted,
  (s ->> 'consentedAt' IS NOT NULL)::int AS consented,
  (s ->> 'meetingHeldAt' IS NOT NULL)::int AS meeting_held,
  (s ->> 'agreementMadeAt' IS NOT NULL)::int AS agreement_made,
  (s ->> 'agreementCompletedAt' IS NOT NULL)::int AS agreement_completed,
  CASE WHEN s #>> '{clocks,victimContacted,metAt}' IS NOT NULL
         THEN CASE WHEN s #>> '{clocks,victimContacted,metAt}' <= s #>> '{clocks,victimContacted,dueBy}' THEN 'met' ELSE 'met_late' END
       WHEN s ->> 'clocksStoppedAt' IS NOT NULL THEN 'stopped' END AS victim_contacted_standing,
  s #>> '{clocks,victimContacted,dueBy}' AS victim_contacted_due,
  CASE WHEN s #>> '{clocks,rjInformationOffered,metAt}' IS NOT NULL
         THEN CASE WHEN s #>> '{clocks,rjInformationOffered,metAt}' <= s #>> '{clocks,rjInformationOffered,dueBy}' THEN 'met' ELSE 'met_late' END
       WHEN s ->> 'clocksStoppedAt' IS NOT NULL THEN 'stopped' END AS rj_information_offered_standing,
  s #>> '{clocks,rjInformationOffered,dueBy}' AS rj_information_offered_due
FROM (SELECT *, summary::jsonb AS s FROM cases) c;

CREATE FUNCTION copy_report_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM case_report_cohort WHERE case_id = NEW.id;
  INSERT INTO case_report_cohort SELECT * FROM case_report_facts WHERE case_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER case_report_cohort_on_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION copy_report_facts();
CREATE TRIGGER case_report_cohort_on_update AFTER UPDATE OF agency, process, closure_reason, status, summary ON cases
  FOR EACH ROW EXECUTE FUNCTION copy_report_facts();
