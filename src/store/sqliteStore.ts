import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Actor } from '../../machines/case/events.js';
import type { Db } from './database.js';
import { verifyChainFile, verifyChainInline } from './chainVerification.js';
import { chainHash, genesisHash } from './historyChain.js';
import type {
  CaseListFilter,
  CaseRecord,
  CommitOutcome,
  Decision,
  EventCommit,
  HistoryEntry,
  HistoryRecord,
  FeedbackRecord,
  IdempotencyClaim,
  LinkRecord,
  NoticeRecord,
  Response,
  Store,
  TimerRecord,
  UserRecord,
} from './store.js';
import { LinkAlreadyUsed } from './store.js';
import { writeQueueFor } from './writeQueue.js';

interface CaseRow {
  id: string;
  reference: string;
  machine_version: number;
  version: number;
  stage: string;
  status: 'active' | 'closed';
  paused: number;
  snapshot: string;
  referral: string;
  facilitator_ids: string | null;
  created_at: string;
  updated_at: string;
}

const caseColumns = `c.id, c.reference, c.machine_version, c.version, c.stage, c.status, c.paused, c.snapshot, c.referral,
  c.created_at, c.updated_at,
  (SELECT json_group_array(user_id) FROM case_facilitators f WHERE f.case_id = c.id) AS facilitator_ids`;

function toCase(row: CaseRow): CaseRecord {
  return {
    id: row.id,
    reference: row.reference,
    machineVersion: row.machine_version,
    version: row.version,
    stage: row.stage,
    status: row.status,
    paused: row.paused === 1,
    snapshot: JSON.parse(row.snapshot),
    referral: JSON.parse(row.referral),
    facilitatorIds: row.facilitator_ids ? (JSON.parse(row.facilitator_ids) as string[]) : [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRecord['role'];
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

const keyReused: Response = {
  status: 422,
  body: {
    error: 'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
    issues: [{ path: 'Idempotency-Key', message: 'already used for a different request' }],
  },
};

/** Keys are scoped to their sender; the row keeps a 16-byte digest of both rather than the texts. */
const idempotencyKeyHash = ({ actorKey, key }: IdempotencyClaim) => createHash('sha256').update(`${actorKey}\0${key}`).digest().subarray(0, 16);

/** The store over an open database (see openDatabase); closing the store closes the database. */
export function createSqliteStore(db: Db): Store {

  const q = {
    insertUser: db.prepare(
      'INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (@id, @email, @name, @role, @passwordHash, @createdAt)',
    ),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    countUsers: db.prepare('SELECT count(*) FROM users').pluck(),
    insertToken: db.prepare('INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?)'),
    userByToken: db.prepare(
      `SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
    ),
    caseById: db.prepare(`SELECT ${caseColumns} FROM cases c WHERE c.id = ?`),
    nextCaseNumber: db.prepare('SELECT coalesce(max(rowid), 0) + 1 FROM cases').pluck(),
    insertCase: db.prepare(
      `INSERT INTO cases (id, reference, machine_version, version, stage, status, paused, snapshot, referral, created_at, updated_at)
       VALUES (@id, @reference, @machineVersion, @version, @stage, @status, @paused, @snapshot, @referral, @createdAt, @updatedAt)`,
    ),
    // Naming a column in SET rewrites its index entries even when the value is unchanged, so stage is set only when it moves.
    updateCase: db.prepare(
      `UPDATE cases SET version = version + 1, status = @status, paused = @paused, snapshot = @snapshot, updated_at = @at
       WHERE id = @id AND version = @version`,
    ),
    updateCaseAndStage: db.prepare(
      `UPDATE cases SET version = version + 1, stage = @stage, status = @status, paused = @paused, snapshot = @snapshot, updated_at = @at
       WHERE id = @id AND version = @version`,
    ),
    clearFacilitators: db.prepare('DELETE FROM case_facilitators WHERE case_id = ?'),
    addFacilitator: db.prepare(
      'INSERT INTO case_facilitators (case_id, user_id, case_created_at) SELECT id, ?, created_at FROM cases WHERE id = ?',
    ),
    lastLink: db.prepare('SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1'),
    insertHistory: db.prepare(
      `INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    history: db.prepare('SELECT * FROM history WHERE case_id = ? ORDER BY seq'),
    insertTimer: db.prepare(
      "INSERT INTO timers (case_id, key, event, due_at, while_paused, status, created_seq) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
    ),
    cancelTimer: db.prepare(
      "UPDATE timers SET status = 'cancelled', settled_at = ? WHERE case_id = ? AND key = ? AND status = 'pending'",
    ),
    cancelAllTimers: db.prepare("UPDATE timers SET status = 'cancelled', settled_at = ? WHERE case_id = ? AND status = 'pending'"),
    settleTimer: db.prepare("UPDATE timers SET status = ?, settled_at = ? WHERE id = ? AND status = 'pending'"),
    pendingTimers: db.prepare("SELECT * FROM timers WHERE case_id = ? AND status = 'pending' ORDER BY due_at, id"),
    // A paused case's clocks wait: its due timers stay pending and fire after RESUME.
    dueTimers: db.prepare(
      `SELECT t.* FROM timers t JOIN cases c ON c.id = t.case_id
       WHERE t.status = 'pending' AND t.due_at <= ? AND (c.paused = 0 OR t.while_paused = 1)
       ORDER BY t.due_at, t.id LIMIT ?`,
    ),
    stopContact: db.prepare(
      "UPDATE notices SET status = 'cancelled' WHERE case_id = ? AND recipient = ? AND status IN ('queued', 'retrying')",
    ),
    insertNotice: db.prepare(
      `INSERT INTO notices (id, case_id, seq, template, recipient, data, status, last_error, next_attempt_at, created_at)
       VALUES (@id, @caseId, @seq, @template, @recipient, @data, @status, @lastError, @nextAttemptAt, @createdAt)`,
    ),
    notices: db.prepare('SELECT * FROM notices WHERE case_id = ? ORDER BY created_at, id'),
    insertLink: db.prepare(
      `INSERT INTO response_links (id, token_hash, case_id, notice_id, party, purpose, created_at, expires_at)
       VALUES (@id, @tokenHash, @caseId, @noticeId, @party, @purpose, @createdAt, @expiresAt)`,
    ),
    useLink: db.prepare('UPDATE response_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL'),
    linkById: db.prepare('SELECT * FROM response_links WHERE id = ?'),
    // Once a party has answered, or has stopped all contact, their other open links of that kind stop working.
    revokeLinks: db.prepare(
      `UPDATE response_links SET revoked_at = @at
       WHERE case_id = @caseId AND party = @party AND purpose IN (SELECT value FROM json_each(@purposes))
         AND used_at IS NULL AND revoked_at IS NULL`,
    ),
    linkByTokenHash: db.prepare('SELECT * FROM response_links WHERE token_hash = ?'),
    linksForNotice: db.prepare('SELECT * FROM response_links WHERE notice_id = ? ORDER BY purpose'),
    insertSession: db.prepare('INSERT INTO party_sessions (token_hash, link_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    sessionLink: db.prepare(
      'SELECT l.* FROM party_sessions s JOIN response_links l ON l.id = s.link_id WHERE s.token_hash = ? AND s.expires_at > ?',
    ),
    insertFeedback: db.prepare(
      'INSERT INTO feedback (case_id, party, link_id, rating, comment, at) VALUES (@caseId, @party, @linkId, @rating, @comment, @at)',
    ),
    feedback: db.prepare('SELECT case_id, party, link_id, rating, comment, at FROM feedback WHERE case_id = ? ORDER BY id'),
    idempotency: db.prepare('SELECT request_hash, version, at, snapshot FROM idempotency_keys WHERE key_hash = ?'),
    saveIdempotency: db.prepare(
      'INSERT INTO idempotency_keys (key_hash, request_hash, case_id, version, at, snapshot) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // Rows are appended as time goes on, so the first young row bounds the delete; the cost follows the rows removed.
    pruneIdempotency: db.prepare(
      `DELETE FROM idempotency_keys
       WHERE id < coalesce((SELECT id FROM idempotency_keys WHERE at >= ? ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM idempotency_keys))`,
    ),
    pruneSessions: db.prepare('DELETE FROM party_sessions WHERE expires_at <= ?'),
    recordView: db.prepare('INSERT INTO case_views (case_id, user_id, at) VALUES (?, ?, ?)'),
    views: db.prepare('SELECT user_id AS userId, at FROM case_views WHERE case_id = ? ORDER BY at DESC, rowid DESC LIMIT 500'),
  };

  /** Newest first. Only the page's ids are read from the ordering index; whole rows are loaded for those alone. */
  function caseloadPage({ stage, facilitatorId, limit, offset }: CaseListFilter): { ids: string[]; total: number } {
    const params = { stage, facilitatorId, limit, offset };
    const [from, order, where] = facilitatorId
      ? [
          'case_facilitators f' + (stage ? ' JOIN cases c ON c.id = f.case_id' : ''),
          'f.case_created_at DESC, f.case_id DESC',
          ['f.user_id = @facilitatorId', ...(stage ? ['c.stage = @stage'] : [])],
        ]
      : ['cases c', 'c.created_at DESC, c.id DESC', stage ? ['c.stage = @stage'] : []];
    const id = facilitatorId ? 'f.case_id' : 'c.id';
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const ids = prepared(`SELECT ${id} FROM ${from} ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset`).pluck().all(params) as string[];
    const total = prepared(`SELECT count(*) FROM ${from} ${clause}`).pluck().get(params) as number;
    return { ids, total };
  }

  // Statements built from parts (caseload filters, id lists) are prepared once per distinct text.
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };

  const loadCase = (id: string) => {
    const row = q.caseById.get(id) as CaseRow | undefined;
    return row && toCase(row);
  };

  /** Appends to the chain; callers hold the write transaction, so the last link cannot move underneath. */
  function appendHistory(caseId: string, entry: HistoryEntry): number {
    const last = q.lastLink.get() as { seq: number; hash: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const prev = last?.hash ?? genesisHash;
    const actor = JSON.stringify(entry.actor);
    const data = JSON.stringify(entry.data);
    const hash = chainHash(prev, [seq, caseId, entry.type, actor, entry.at, entry.from, entry.to, data]);
    q.insertHistory.run(seq, caseId, entry.type, actor, entry.at, entry.from, entry.to, data, prev, hash);
    return seq;
  }

  function setFacilitators(caseId: string, ids: string[]) {
    q.clearFacilitators.run(caseId);
    for (const id of ids) q.addFacilitator.run(id, caseId);
  }

  function writeCommit(current: CaseRecord, commit: EventCommit, snapshot: string): void {
    const { next, history } = commit;
    const update = next.stage === current.stage ? q.updateCase : q.updateCaseAndStage;
    const updated = update.run({
      id: current.id,
      version: current.version,
      stage: next.stage,
      status: next.status,
      paused: next.paused ? 1 : 0,
      snapshot,
      at: history.at,
    });
    if (updated.changes !== 1) throw new Error('case version changed inside its own transaction');
    if (next.facilitatorIds.join() !== current.facilitatorIds.join()) setFacilitators(current.id, next.facilitatorIds);
    const seq = appendHistory(current.id, history);
    for (const key of commit.cancelTimerKeys) {
      if (key === '*') q.cancelAllTimers.run(history.at, current.id);
      else q.cancelTimer.run(history.at, current.id, key);
    }
    if (commit.firedTimerId !== undefined) q.settleTimer.run('fired', history.at, commit.firedTimerId);
    for (const t of commit.timers) {
      q.cancelTimer.run(history.at, current.id, t.key);
      q.insertTimer.run(current.id, t.key, JSON.stringify(t.event), t.dueAt, t.whilePaused ? 1 : 0, seq);
    }
    if (commit.useLinkId !== undefined) useLink(commit.useLinkId, history.at);
    for (const recipient of commit.stopContactWith) {
      q.stopContact.run(current.id, recipient);
      q.revokeLinks.run({ at: history.at, caseId: current.id, party: recipient, purposes: JSON.stringify(['invitation', 'withdrawal', 'feedback']) });
    }
    for (const n of commit.notices) {
      q.insertNotice.run({
        id: n.id,
        caseId: current.id,
        seq,
        template: n.template,
        recipient: n.recipient,
        data: JSON.stringify(n.data),
        status: n.status,
        lastError: n.lastError ?? null,
        nextAttemptAt: n.status === 'queued' ? history.at : null,
        createdAt: history.at,
      });
    }
    for (const l of commit.links) q.insertLink.run({ ...l, caseId: current.id, createdAt: history.at });
  }

  function useLink(id: string, at: string) {
    if (q.useLink.run(at, id).changes !== 1) throw new LinkAlreadyUsed();
    const link = toLink(q.linkById.get(id) as LinkRow);
    q.revokeLinks.run({ at, caseId: link.caseId, party: link.party, purposes: JSON.stringify([link.purpose]) });
  }

  const saveFeedback = (f: FeedbackRecord): boolean => {
    if (q.useLink.run(f.at, f.linkId).changes !== 1) return false;
    q.insertFeedback.run(f);
    return true;
  };

  const pruneExpired = ({ keysBefore, sessionsBefore }: { keysBefore: string; sessionsBefore: string }) => ({
    idempotencyKeys: q.pruneIdempotency.run(keysBefore).changes,
    partySessions: q.pruneSessions.run(sessionsBefore).changes,
  });

  function commitEvent(caseId: string, claim: IdempotencyClaim | undefined, decide: (c: CaseRecord | undefined) => Decision): CommitOutcome {
    const keyHash = claim && idempotencyKeyHash(claim);
    if (claim) {
      const prior = q.idempotency.get(keyHash) as { request_hash: string; version: number; at: string; snapshot: string } | undefined;
      if (prior) {
        if (prior.request_hash !== claim.requestHash) return { kind: 'rejected', response: keyReused };
        const first = { version: prior.version, at: prior.at, snapshot: JSON.parse(prior.snapshot) };
        return { kind: 'replayed', record: loadCase(caseId)!, first };
      }
    }
    const current = loadCase(caseId);
    const decision = decide(current);
    if (decision.kind === 'reject') return { kind: 'rejected', response: decision.response };
    const { commit } = decision;
    const snapshot = JSON.stringify(commit.next.snapshot);
    writeCommit(current!, commit, snapshot);
    const version = current!.version + 1;
    if (claim) q.saveIdempotency.run(keyHash, claim.requestHash, caseId, version, commit.history.at, snapshot);
    return { kind: 'committed', record: { ...current!, ...commit.next, version, updatedAt: commit.history.at } };
  }

  function createCase(record: Omit<CaseRecord, 'reference'>, history: HistoryEntry): CaseRecord {
    const n = q.nextCaseNumber.get() as number;
    const reference = `RJ-${record.createdAt.slice(0, 4)}-${String(n).padStart(6, '0')}`;
    q.insertCase.run({
      ...record,
      reference,
      paused: record.paused ? 1 : 0,
      snapshot: JSON.stringify(record.snapshot),
      referral: JSON.stringify(record.referral),
    });
    setFacilitators(record.id, record.facilitatorIds);
    appendHistory(record.id, history);
    return loadCase(record.id)!;
  }

  const writes = writeQueueFor(db);

  return {
    close: () => {
      writes.flush();
      db.close();
    },
    ping: async () => q.countUsers.get() !== undefined,

    addUser: (u) => writes.run(() => void q.insertUser.run(u)),
    countUsers: async () => q.countUsers.get() as number,
    userById: async (id) => {
      const r = q.userById.get(id) as UserRow | undefined;
      return r && toUser(r);
    },
    userByEmail: async (email) => {
      const r = q.userByEmail.get(email) as UserRow | undefined;
      return r && toUser(r);
    },
    usersByIds: async (ids) =>
      ids.length === 0
        ? []
        : (prepared(`SELECT * FROM users WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as UserRow[]).map(toUser),
    addApiToken: (t) => writes.run(() => void q.insertToken.run(t.id, t.userId, t.tokenHash, t.createdAt)),
    userByTokenHash: async (hash) => {
      const r = q.userByToken.get(hash) as UserRow | undefined;
      return r && toUser(r);
    },

    createCase: (record, history) => writes.run(() => createCase(record, history)),
    caseById: async (id) => loadCase(id),
    listCases: async (filter: CaseListFilter) => {
      const { ids, total } = caseloadPage(filter);
      const rows = ids.map((id) => q.caseById.get(id) as CaseRow);
      return { cases: rows.map(toCase), total };
    },
    recordView: (caseId, userId, at) => writes.run(() => void q.recordView.run(caseId, userId, at)),
    views: async (caseId) => q.views.all(caseId) as { userId: string; at: string }[],

    commitEvent: (caseId, claim, decide) => writes.run(() => commitEvent(caseId, claim, decide)),

    history: async (caseId) =>
      (q.history.all(caseId) as Record<string, unknown>[]).map(
        (r): HistoryRecord => ({
          seq: r.seq as number,
          caseId: r.case_id as string,
          type: r.type as string,
          actor: JSON.parse(r.actor as string) as Actor,
          at: r.at as string,
          from: r.from_state as string | null,
          to: r.to_state as string,
          data: JSON.parse(r.data as string),
        }),
      ),
    notices: async (caseId) => (q.notices.all(caseId) as Record<string, unknown>[]).map(toNotice),
    pendingTimers: async (caseId) => (q.pendingTimers.all(caseId) as Record<string, unknown>[]).map(toTimer),
    dueTimers: async (now, limit) => (q.dueTimers.all(now, limit) as Record<string, unknown>[]).map(toTimer),
    settleTimer: (id, status, at) => writes.run(() => void q.settleTimer.run(status, at, id)),

    linkByTokenHash: async (hash) => {
      const r = q.linkByTokenHash.get(hash) as LinkRow | undefined;
      return r && toLink(r);
    },
    linksForNotice: async (noticeId) => (q.linksForNotice.all(noticeId) as LinkRow[]).map(toLink),
    openPartySession: (s) => writes.run(() => void q.insertSession.run(s.tokenHash, s.linkId, s.createdAt, s.expiresAt)),
    partySessionLink: async (hash, now) => {
      const r = q.sessionLink.get(hash, now) as LinkRow | undefined;
      return r && toLink(r);
    },
    saveFeedback: (f) => writes.run(() => saveFeedback(f)),
    feedback: async (caseId) =>
      (q.feedback.all(caseId) as Record<string, unknown>[]).map((r) => ({
        caseId: r.case_id as string,
        party: r.party as string,
        linkId: r.link_id as string,
        rating: r.rating as number,
        comment: r.comment as string | null,
        at: r.at as string,
      })),

    pruneExpired: (cutoffs) => writes.run(() => pruneExpired(cutoffs)),

    // A ':memory:' database cannot be opened by worker threads.
    verifyChain: async () => (db.memory ? verifyChainInline(db) : verifyChainFile(db.name)),
    backup: async (to) => {
      await db.backup(to);
      const copy = new Database(to, { readonly: true });
      try {
        const result = copy.pragma('integrity_check', { simple: true });
        if (result !== 'ok') throw new Error(`backup failed its integrity check: ${String(result)}`);
      } finally {
        copy.close();
      }
    },
  };
}

interface LinkRow {
  id: string;
  token_hash: string;
  case_id: string;
  notice_id: string;
  party: LinkRecord['party'];
  purpose: LinkRecord['purpose'];
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

const toLink = (r: LinkRow): LinkRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  caseId: r.case_id,
  noticeId: r.notice_id,
  party: r.party,
  purpose: r.purpose,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  revokedAt: r.revoked_at,
});

export function toNotice(r: Record<string, unknown>): NoticeRecord {
  return {
    id: r.id as string,
    caseId: r.case_id as string,
    seq: r.seq as number,
    template: r.template as string,
    recipient: r.recipient as string,
    data: JSON.parse(r.data as string),
    status: r.status as NoticeRecord['status'],
    attempts: r.attempts as number,
    nextAttemptAt: r.next_attempt_at as string | null,
    lastError: r.last_error as string | null,
    sentAt: r.sent_at as string | null,
    createdAt: r.created_at as string,
  };
}

const toTimer = (r: Record<string, unknown>): TimerRecord => ({
  id: r.id as number,
  caseId: r.case_id as string,
  key: r.key as string,
  event: JSON.parse(r.event as string),
  dueAt: r.due_at as string,
  whilePaused: r.while_paused === 1,
});
