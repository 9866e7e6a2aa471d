import { createHash } from 'node:crypto';
import { historyColumns, historyFrom, toCase, toHistory, toNotice, toTask, toTimer, type CaseRow } from '../rows.js';
import { TimerAlreadySettled, type CaseRecord, type CaseStore, type CommitOutcome, type Decision, type EventCommit, type HistoryEntry, type IdempotencyClaim, type SummaryUpdate } from '../store.js';
import type { Lease } from './claims.js';
import type { Client, Pool } from './database.js';
import { appendHistory } from './history.js';
import { pgLinkWrites as links } from './links.js';
import { all, changed, first, type Db } from './query.js';
import { pgCorrectPartyDetails } from './rectification.js';
import { pgOpenTasksSql, pgTaskWrites as tasks } from './tasks.js';
import type { ChainTip, PgWriteQueue } from './writeQueue.js';

/** A case with its allocation and open tasks, as src/store/rows.ts's caseColumns reads it in SQLite, in the same order. */
export const pgCaseColumns = `c.id, c.reference, c.machine_version, c.version, c.stage, c.status, c.paused, c.clocks, c.snapshot, c.referral,
  c.waiting_for, c.paused_until, c.items_overdue, c.process, c.closure_reason, c.clock_due_at, c.summary,
  c.created_at, c.updated_at,
  (SELECT json_agg(user_id ORDER BY user_id)::text FROM case_facilitators f WHERE f.case_id = c.id) AS facilitator_ids,
  (SELECT json_agg(id ORDER BY created_at, id)::text FROM tasks t WHERE t.case_id = c.id AND t.resolved_at IS NULL) AS open_task_ids`;

/** Keys are scoped to their sender; the row keeps a 16-byte digest of both rather than the texts. */
const idempotencyKeyHash = ({ actorKey, key }: IdempotencyClaim) => createHash('sha256').update(`${actorKey}\0${key}`).digest().subarray(0, 16);

interface PriorRequest {
  request_hash: string;
  case_id: string;
  version: number;
  machine_version: number;
  at: string;
  snapshot: string;
}

/**
 * Cases and everything an event writes with them, as src/store/sqlite/cases.ts writes them. An event
 * locks its case's row (SELECT … FOR UPDATE) before `decide` reads it, so of two instances sending
 * events to one case, the second decides on what the first committed (ADR 0011).
 */
export function pgCases(pool: Pool, writes: PgWriteQueue, leaseFrom: Lease): CaseStore {
  async function loadCase(db: Db, id: string, lock = false): Promise<CaseRecord | undefined> {
    const row = await first<CaseRow>(db, `SELECT ${pgCaseColumns} FROM cases c WHERE c.id = $1${lock ? ' FOR UPDATE OF c' : ''}`, [id]);
    return row && toCase(row);
  }

  async function setFacilitators(c: Client, caseId: string, ids: string[]) {
    await c.query('DELETE FROM case_facilitators WHERE case_id = $1', [caseId]);
    for (const id of ids) await c.query('INSERT INTO case_facilitators (case_id, user_id, case_created_at) SELECT id, $1, created_at FROM cases WHERE id = $2', [id, caseId]);
  }

  /** Each facilitator's count of open cases by stage follows the case: out of where it was, into where it is. */
  async function recount(c: Client, before: Pick<CaseRecord, 'facilitatorIds' | 'stage' | 'status'>, after: Pick<CaseRecord, 'facilitatorIds' | 'stage' | 'status'>) {
    if (before.stage === after.stage && before.status === after.status && before.facilitatorIds.join() === after.facilitatorIds.join()) return;
    const count = (userId: string, stage: string, by: number) =>
      c.query(
        'INSERT INTO facilitator_open_cases (user_id, stage, cases) VALUES ($1, $2, $3) ON CONFLICT (user_id, stage) DO UPDATE SET cases = facilitator_open_cases.cases + excluded.cases',
        [userId, stage, by],
      );
    if (before.status === 'active') for (const id of before.facilitatorIds) await count(id, before.stage, -1);
    if (after.status === 'active') for (const id of after.facilitatorIds) await count(id, after.stage, 1);
  }

  async function addStageTime(c: Client, caseId: string, stage: string, ms: number) {
    await c.query(
      `INSERT INTO case_stage_times (case_id, stage, ms, case_created_at) VALUES ($1, $2, $3, (SELECT created_at FROM cases WHERE id = $1))
       ON CONFLICT (case_id, stage) DO UPDATE SET ms = case_stage_times.ms + excluded.ms`,
      [caseId, stage, ms],
    );
  }

  async function writeSummary(c: Client, caseId: string, summary: SummaryUpdate) {
    await c.query('UPDATE cases SET summary = $1 WHERE id = $2', [JSON.stringify(summary.value), caseId]);
    if (summary.left) await addStageTime(c, caseId, summary.left.stage, summary.left.ms);
  }

  const cancelTimer = (c: Client, caseId: string, key: string, at: string) =>
    c.query("UPDATE timers SET status = 'cancelled', settled_at = $1 WHERE case_id = $2 AND key = $3 AND status = 'pending'", [at, caseId, key]);

  async function writeCommit(c: Client, tip: ChainTip, current: CaseRecord, commit: EventCommit, snapshot: string): Promise<void> {
    const { next, history } = commit;
    const at = history.at;
    const o = next.oversight;
    const closing = next.status === 'closed' && current.status !== 'closed';
    // The case's own columns in one statement: its state, what oversight reads, its summary and, once, its closure.
    const updated = await changed(
      c,
      `UPDATE cases SET version = version + 1, machine_version = $1, stage = $2, status = $3, paused = $4, clocks = $5, snapshot = $6, updated_at = $7,
         waiting_for = $10, paused_until = $11, items_overdue = $12, process = $13, closure_reason = $14, clock_due_at = $15,
         summary = COALESCE($16, summary),
         closed_at = CASE WHEN $17::boolean THEN $7 ELSE closed_at END, retain_until = CASE WHEN $17::boolean THEN $18 ELSE retain_until END
       WHERE id = $8 AND version = $9`,
      [
        next.machineVersion ?? current.machineVersion, next.stage, next.status, next.paused ? 1 : 0, next.clocks, snapshot, at, current.id, current.version,
        o.waitingFor, o.pausedUntil, o.itemsOverdue, o.process, o.closureReason, o.clockDueAt,
        commit.summary ? JSON.stringify(commit.summary.value) : null, closing, next.retainUntil ?? null,
      ],
    );
    if (updated !== 1) throw new Error('case version changed inside its own transaction');
    if (commit.summary?.left) await addStageTime(c, current.id, commit.summary.left.stage, commit.summary.left.ms);
    if (next.facilitatorIds.join() !== current.facilitatorIds.join()) await setFacilitators(c, current.id, next.facilitatorIds);
    await recount(c, current, next);
    if (commit.correctParty) await pgCorrectPartyDetails(c, current.id, commit.correctParty, at);
    const seq = await appendHistory(c, tip, current.id, history);
    if (commit.firedTimerId !== undefined && (await changed(c, "UPDATE timers SET status = 'fired', settled_at = $1 WHERE id = $2 AND status = 'pending'", [at, commit.firedTimerId])) !== 1)
      throw new TimerAlreadySettled();
    for (const key of commit.cancelTimerKeys) {
      if (key === '*') await c.query("UPDATE timers SET status = 'cancelled', settled_at = $1 WHERE case_id = $2 AND status = 'pending'", [at, current.id]);
      else await cancelTimer(c, current.id, key, at);
    }
    for (const t of commit.timers) {
      await cancelTimer(c, current.id, t.key, at);
      await c.query("INSERT INTO timers (case_id, key, event, due_at, while_paused, status, created_seq) VALUES ($1, $2, $3, $4, $5, 'pending', $6)", [
        current.id, t.key, JSON.stringify(t.event), t.dueAt, t.whilePaused ? 1 : 0, seq,
      ]);
    }
    if (commit.useLinkId !== undefined) await links.use(c, commit.useLinkId, at);
    for (const recipient of commit.stopContactWith) {
      await c.query("UPDATE notices SET status = 'cancelled' WHERE case_id = $1 AND recipient = $2 AND status IN ('queued', 'retrying')", [current.id, recipient]);
      await links.revokeAll(c, current.id, recipient, at);
    }
    for (const n of commit.notices) {
      await c.query(
        `INSERT INTO notices (id, case_id, seq, template, recipient, data, status, last_error, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [n.id, current.id, seq, n.template, n.recipient, JSON.stringify(n.data), n.status, n.lastError ?? null, n.status === 'queued' ? at : null, at],
      );
      if (n.status === 'failed') await tasks.noticeFailed(c, { ...n, caseId: current.id, seq }, n.lastError ?? 'not delivered', at);
    }
    // After the notices: a closing case resolves even the task its own last email opened.
    if (commit.resolveTasks) await tasks.resolve(c, current.id, commit.resolveTasks, seq, at);
    for (const l of commit.links) await links.insert(c, { ...l, caseId: current.id, createdAt: at });
  }

  const priorRequest = (c: Client, claim: IdempotencyClaim) =>
    first<PriorRequest>(c, 'SELECT request_hash, case_id, version, machine_version, at, snapshot FROM idempotency_keys WHERE key_hash = $1', [idempotencyKeyHash(claim)]);
  const saveRequest = (c: Client, claim: IdempotencyClaim, caseId: string, version: number, machineVersion: number, at: string, snapshot: string) =>
    c.query('INSERT INTO idempotency_keys (key_hash, request_hash, case_id, version, machine_version, at, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      idempotencyKeyHash(claim), claim.requestHash, caseId, version, machineVersion, at, snapshot,
    ]);

  async function commitEvent<R>(c: Client, tip: ChainTip, caseId: string, claim: IdempotencyClaim | undefined, decide: (c: CaseRecord | undefined) => Decision<R>): Promise<CommitOutcome<R>> {
    // Locked first: a request with the same key on another instance waits here, then finds this one's row.
    const current = await loadCase(c, caseId, true);
    if (claim) {
      const prior = await priorRequest(c, claim);
      if (prior) {
        if (prior.request_hash !== claim.requestHash) return { kind: 'keyReused' };
        const firstTime = { version: prior.version, machineVersion: prior.machine_version, at: prior.at, snapshot: JSON.parse(prior.snapshot) };
        return { kind: 'replayed', record: current!, first: firstTime };
      }
    }
    const decision = decide(current);
    if (decision.kind === 'reject') return { kind: 'rejected', refusal: decision.refusal };
    const { commit } = decision;
    const snapshot = JSON.stringify(commit.next.snapshot);
    await writeCommit(c, tip, current!, commit, snapshot);
    if (claim) await saveRequest(c, claim, caseId, current!.version + 1, commit.next.machineVersion ?? current!.machineVersion, commit.history.at, snapshot);
    // Re-read: the allocation and the open tasks may have changed with the event.
    return { kind: 'committed', record: (await loadCase(c, caseId))! };
  }

  async function createCase(c: Client, tip: ChainTip, record: Omit<CaseRecord, 'reference' | 'openTaskIds' | 'summary'>, history: HistoryEntry, summary: SummaryUpdate, claim?: IdempotencyClaim) {
    if (claim) {
      const prior = await priorRequest(c, claim);
      if (prior) return prior.request_hash === claim.requestHash ? { record: (await loadCase(c, prior.case_id))!, replayed: true } : { keyReused: true as const };
    }
    const { n } = (await first<{ n: number }>(c, "SELECT nextval(pg_get_serial_sequence('cases', 'number')) AS n"))!;
    const reference = `RJ-${record.createdAt.slice(0, 4)}-${String(n).padStart(6, '0')}`;
    const o = record.oversight;
    await c.query(
      `INSERT INTO cases (id, number, reference, machine_version, version, stage, status, paused, clocks, snapshot, referral, created_at, updated_at,
         agency, waiting_for, paused_until, items_overdue, process, closure_reason, clock_due_at, summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
      [
        record.id, n, reference, record.machineVersion, record.version, record.stage, record.status, record.paused ? 1 : 0, record.clocks,
        JSON.stringify(record.snapshot), JSON.stringify(record.referral), record.createdAt, record.updatedAt,
        String((record.referral as { referrer?: { agency?: unknown } }).referrer?.agency ?? ''),
        o.waitingFor, o.pausedUntil, o.itemsOverdue, o.process, o.closureReason, o.clockDueAt, JSON.stringify(summary.value),
      ],
    );
    await setFacilitators(c, record.id, record.facilitatorIds);
    await recount(c, { facilitatorIds: [], stage: record.stage, status: record.status }, record);
    await appendHistory(c, tip, record.id, history);
    if (claim) await saveRequest(c, claim, record.id, record.version, record.machineVersion, record.createdAt, JSON.stringify(record.snapshot));
    return { record: (await loadCase(c, record.id))!, replayed: false };
  }

  const timers = async (sql: string, params: unknown[]) => (await all<Record<string, unknown>>(pool, sql, params)).map(toTimer);
  const entries = async (sql: string, params: unknown[]) => (await all<Record<string, unknown>>(pool, sql, params)).map(toHistory);

  return {
    createCase: (record, history, summary, claim) => writes.run((c, tip) => createCase(c, tip, record, history, summary, claim), { chain: true }),
    caseById: (id) => loadCase(pool, id),
    commitEvent: (caseId, claim, decide) => writes.run((c, tip) => commitEvent(c, tip, caseId, claim, decide), { chain: true }),
    history: (caseId) => entries(`SELECT ${historyColumns} FROM ${historyFrom} WHERE h.case_id = $1 ORDER BY h.seq`, [caseId]),
    notices: async (caseId) => (await all<Record<string, unknown>>(pool, 'SELECT * FROM notices WHERE case_id = $1 ORDER BY created_at, id', [caseId])).map(toNotice),
    openTasks: async (caseId) => (await all<Record<string, unknown>>(pool, pgOpenTasksSql, [caseId])).map(toTask),
    pendingTimers: (caseId) => timers("SELECT * FROM timers WHERE case_id = $1 AND status = 'pending' ORDER BY due_at, id", [caseId]),
    caseloadDetails: async (caseIds, historyTypes) => {
      if (caseIds.length === 0) return { timers: [], events: [] };
      return {
        timers: await timers("SELECT * FROM timers WHERE case_id = ANY($1) AND status = 'pending' ORDER BY due_at, id", [caseIds]),
        events: await entries(`SELECT ${historyColumns} FROM ${historyFrom} WHERE h.case_id = ANY($1) AND h.type = ANY($2) ORDER BY h.seq`, [caseIds, [...historyTypes]]),
      };
    },
    // A paused case's timers wait, but the one that ends the pause; a held case's all wait. They fire once the case moves on.
    // Claimed with a lease, skipping rows another instance is claiming this moment, so sweeps on several
    // instances take disjoint timers; one whose instance died is taken again once its lease runs out.
    dueTimers: (now, limit) =>
      timers(
        `WITH claimed AS (
           UPDATE timers SET lease_until = $3 WHERE id IN (
             SELECT t.id FROM timers t JOIN cases c ON c.id = t.case_id
             WHERE t.status = 'pending' AND t.due_at <= $1 AND (c.clocks = 'running' OR (c.clocks = 'paused' AND t.while_paused = 1))
               AND (t.lease_until IS NULL OR t.lease_until <= $1)
             ORDER BY t.due_at, t.id LIMIT $2 FOR UPDATE OF t SKIP LOCKED)
           RETURNING *)
         SELECT * FROM claimed ORDER BY due_at, id`,
        [now, limit, leaseFrom(now)],
      ),
    settleTimer: (id, status, at) => writes.run(async (c) => void (await c.query("UPDATE timers SET status = $1, settled_at = $2 WHERE id = $3 AND status = 'pending'", [status, at, id]))),
    casesBelowVersion: async (version) =>
      (await all<{ id: string }>(pool, "SELECT id FROM cases WHERE status = 'active' AND machine_version < $1 ORDER BY created_at, id", [version])).map((r) => r.id),
    casesWithoutSummary: async (limit) => (await all<CaseRow>(pool, `SELECT ${pgCaseColumns} FROM cases c WHERE c.summary IS NULL LIMIT $1`, [limit])).map(toCase),
    saveSummary: (caseId, summary, stageTimes, clockDueAt) =>
      writes.run(async (c) => {
        await writeSummary(c, caseId, summary);
        await c.query('UPDATE cases SET clock_due_at = $1 WHERE id = $2', [clockDueAt, caseId]);
        for (const t of stageTimes) await addStageTime(c, caseId, t.stage, t.ms);
      }),
  };
}
