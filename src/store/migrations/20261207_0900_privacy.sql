-- Personal content apart from the chain (doc/architecture/decisions/0010-erasable-history-content.md).
-- A history row from the rule-2 checkpoint on holds only coded fields and, when its event carried names,
-- contact details or free text, a salted SHA-256 commitment to them; the content and its salt live here.
ALTER TABLE history ADD COLUMN content_hash TEXT;
CREATE TABLE history_content (
  seq INTEGER PRIMARY KEY REFERENCES history (seq),
  salt TEXT,
  content TEXT,
  erased_at TEXT,
  erased_reason TEXT,
  CHECK ((salt IS NULL) = (content IS NULL)),
  CHECK ((content IS NULL) = (erased_at IS NOT NULL))
);
CREATE INDEX history_content_erased ON history_content (seq) WHERE erased_at IS NOT NULL;
-- Content is written once and can only be erased: never rewritten, never deleted.
CREATE TRIGGER history_content_erase_only BEFORE UPDATE ON history_content WHEN NEW.content IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'history content can only be erased'); END;
CREATE TRIGGER history_content_no_delete BEFORE DELETE ON history_content
BEGIN SELECT RAISE(ABORT, 'history content can only be erased'); END;

-- Which rule chains which rows: rows from from_seq on use that rule. Rows already stored keep rule 1.
CREATE TABLE chain_rules (rule INTEGER PRIMARY KEY, from_seq INTEGER NOT NULL);
INSERT INTO chain_rules (rule, from_seq) VALUES (1, 1);
INSERT INTO chain_rules (rule, from_seq) SELECT 2, coalesce(max(seq), 0) + 1 FROM history;
CREATE TRIGGER chain_rules_fixed BEFORE UPDATE ON chain_rules
BEGIN SELECT RAISE(ABORT, 'chain rules are fixed once recorded'); END;
CREATE TRIGGER chain_rules_kept BEFORE DELETE ON chain_rules
BEGIN SELECT RAISE(ABORT, 'chain rules are fixed once recorded'); END;

-- A row stored before the checkpoint holds its personal content in its data. Erasing it reseals the row once:
-- its data becomes the coded fields, its content_hash a commitment to what was removed, and the digest of the
-- resealed row is recorded here and in the chained erasure entry (by_seq) that did it, so the row stays checkable.
CREATE TABLE resealed_rows (
  seq INTEGER PRIMARY KEY REFERENCES history (seq),
  digest TEXT NOT NULL,
  by_seq INTEGER NOT NULL REFERENCES history (seq)
);
DROP TRIGGER history_no_update;
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
WHEN NOT (OLD.content_hash IS NULL AND NEW.content_hash IS NOT NULL AND OLD.seq < (SELECT from_seq FROM chain_rules WHERE rule = 2)
          AND NEW.seq = OLD.seq AND NEW.case_id = OLD.case_id AND NEW.type = OLD.type AND NEW.actor = OLD.actor AND NEW.at = OLD.at
          AND NEW.from_state IS OLD.from_state AND NEW.to_state = OLD.to_state AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash)
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

-- Retention: when a case closed, the date its personal content is kept until, and when it was anonymised.
ALTER TABLE cases ADD COLUMN closed_at TEXT;
ALTER TABLE cases ADD COLUMN retain_until TEXT;
ALTER TABLE cases ADD COLUMN anonymised_at TEXT;
UPDATE cases SET closed_at = updated_at WHERE status = 'closed';
CREATE INDEX cases_by_retention ON cases (retain_until) WHERE anonymised_at IS NULL;

-- A legal hold keeps a case's content past its retention date until a supervisor lifts it.
CREATE TABLE legal_holds (
  case_id TEXT PRIMARY KEY REFERENCES cases (id),
  reason TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL
) WITHOUT ROWID;
