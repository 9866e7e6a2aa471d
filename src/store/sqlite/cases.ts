import { createHash } from 'node:crypto';
import type { Db } from '../database.js';
import { TimerAlreadySettled, type CaseRecord, type CaseStore, type CommitOutcome, type Decision, type EventCommit, type HistoryEntry, type IdempotencyClaim, type SummaryUpdate } from '../store.js';
import type { WriteQueue } from '../writeQueue.js';
import { historyWrites } from './history.js';
import { linkWrites } from './links.js';
import type { Prepared } from './prepared.js';
import { correctPartyDetails } from './rectification.js';
import { caseColumns, historyColumns, historyFrom, toCase, toHistory, toNotice, toTask, toTimer, type CaseRow } from '../rows.js';
import { openTasksSql, taskWrites } from './tasks.js';

/** Keys are scoped to their sender; the row keeps a 16-byte digest of both rather than the texts. */
const idempotencyKeyHash = ({ actorKey, key }: IdempotencyClaim) => createHash('sha256').update(`${actorKey}\0${key}`).digest().subarray(0, 16);

/** Cases and everything an event writes with them: the chained history, timers, notices, links and tasks. */
export function sqliteCases(db: Db, writes: WriteQueue, prepared: Prepared): CaseStore {
  const links = linkWrites(db);
  const chain = historyWrites(db);
  const tasks = taskWrites(db);
  const q = {
    caseById: db.prepare(`SELECT ${caseColumns} FROM cases c WHERE c.id = ?`),
    nextCaseNumber: db.prepare('SELECT coalesce(max(rowid), 0) + 1 FROM cases').pluck(),
    insertCase: db.prepare(
      `INSERT INTO cases (id, reference, machine_version, version, stage, status, paused, clocks, snapshot, referral, created_at, updated_at,
         agency, waiting_for, paused_until, items_overdue, process, closure_reason, clock_due_at, summary)
       VALUES (@id, @reference, @machineVersion, @version, @stage, @status, @paused, @clocks, @snapshot, @referral, @createdAt, @updatedAt,
         @agency, @waitingFor, @pausedUntil, @itemsOverdue, @process, @closureReason, @clockDueAt, @summary)`,
    ),
    // Set only when they change: each has an index, which naming it in SET would rewrite.
    updateOversight: db.prepare(
      `UPDATE cases SET waiting_for = @waitingFor, paused_until = @pausedUntil, items_overdue = @itemsOverdue, process = @process,
         closure_reason = @closureReason, clock_due_at = @clockDueAt WHERE id = @id`,
    ),
    setSummary: db.prepare('UPDATE cases SET summary = ? WHERE id = ?'),
    setClosed: db.prepare('UPDATE cases SET closed_at = ?, retain_until = ? WHERE id = ?'),
    setClockDue: db.prepare('UPDATE cases SET clock_due_at = ? WHERE id = ?'),
    addStageTime: db.prepare(
      `INSERT INTO case_stage_times (case_id, stage, ms, case_created_at) VALUES (@caseId, @stage, @ms, (SELECT created_at FROM cases WHERE id = @caseId))
       ON CONFLICT (case_id, stage) DO UPDATE SET ms = ms + excluded.ms`,
    ),
    countOpen: db.prepare(
      'INSERT INTO facilitator_open_cases (user_id, stage, cases) VALUES (?, ?, ?) ON CONFLICT (user_id, stage) DO UPDATE SET cases = cases + excluded.cases',
    ),
    withoutSummary: db.prepare(`SELECT ${caseColumns} FROM cases c WHERE c.summary IS NULL LIMIT ?`),
    // Naming a column in SET rewrites its index entries even when the value is unchanged, so stage is set only when it moves.
    updateCase: db.prepare(
      `UPDATE cases SET version = version + 1, machine_version = @machineVersion, status = @status, paused = @paused, clocks = @clocks,
         snapshot = @snapshot, updated_at = @at
       WHERE id = @id AND version = @version`,
    ),
    updateCaseAndStage: db.prepare(
      `UPDATE cases SET version = version + 1, machine_version = @machineVersion, stage = @stage, status = @status, paused = @paused,
         clocks = @clocks, snapshot = @snapshot, updated_at = @at
       WHERE id = @id AND version = @version`,
    ),
    clearFacilitators: db.prepare('DELETE FROM case_facilitators WHERE case_id = ?'),
    addFacilitator: db.prepare(
      'INSERT INTO case_facilitators (case_id, user_id, case_created_at) SELECT id, ?, created_at FROM cases WHERE id = ?',
    ),
    history: db.prepare(`SELECT ${historyColumns} FROM ${historyFrom} WHERE h.case_id = ? ORDER BY h.seq`),
    insertTimer: db.prepare(
      "INSERT INTO timers (case_id, key, event, due_at, while_paused, status, created_seq) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
    ),
    cancelTimer: db.prepare(
      "UPDATE timers SET status = 'cancelled', settled_at = ? WHERE case_id = ? AND key = ? AND status = 'pending'",
    ),
    cancelAllTimers: db.prepare("UPDATE timers SET status = 'cancelled', settled_at = ? WHERE case_id = ? AND status = 'pending'"),
    settleTimer: db.prepare("UPDATE timers SET status = ?, settled_at = ? WHERE id = ? AND status = 'pending'"),
    pendingTimers: db.prepare("SELECT * FROM timers WHERE case_id = ? AND status = 'pending' ORDER BY due_at, id"),
    // A paused case's timers wait, but the one that ends the pause; a held case's all wait. They fire once the case moves on.
    dueTimers: db.prepare(
      `SELECT t.* FROM timers t JOIN cases c ON c.id = t.case_id
       WHERE t.status = 'pending' AND t.due_at <= ? AND (c.clocks = 'running' OR (c.clocks = 'paused' AND t.while_paused = 1))
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
    openTasks: db.prepare(openTasksSql),
    idempotency: db.prepare('SELECT request_hash, case_id, version, machine_version, at, snapshot FROM idempotency_keys WHERE key_hash = ?'),
    saveIdempotency: db.prepare(
      'INSERT INTO idempotency_keys (key_hash, request_hash, case_id, version, machine_version, at, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    casesBelowVersion: db.prepare("SELECT id FROM cases WHERE status = 'active' AND machine_version < ? ORDER BY created_at, id").pluck(),
  };

  const loadCase = (id: string) => {
    const row = q.caseById.get(id) as CaseRow | undefined;
    return row && toCase(row);
  };

  function setFacilitators(caseId: string, ids: string[]) {
    q.clearFacilitators.run(caseId);
    for (const id of ids) q.addFacilitator.run(id, caseId);
  }

  const oversightRow = (id: string, o: CaseRecord['oversight']) => ({ id, ...o });
  const sameOversight = (a: CaseRecord['oversight'], b: CaseRecord['oversight']) => JSON.stringify(a) === JSON.stringify(b);

  /** Each facilitator's count of open cases by stage follows the case: out of where it was, into where it is. */
  function recount(before: Pick<CaseRecord, 'facilitatorIds' | 'stage' | 'status'>, after: Pick<CaseRecord, 'facilitatorIds' | 'stage' | 'status'>) {
    if (before.stage === after.stage && before.status === after.status && before.facilitatorIds.join() === after.facilitatorIds.join()) return;
    if (before.status === 'active') for (const id of before.facilitatorIds) q.countOpen.run(id, before.stage, -1);
    if (after.status === 'active') for (const id of after.facilitatorIds) q.countOpen.run(id, after.stage, 1);
  }

  function writeSummary(caseId: string, summary: SummaryUpdate) {
    q.setSummary.run(JSON.stringify(summary.value), caseId);
    if (summary.left) q.addStageTime.run({ caseId, stage: summary.left.stage, ms: summary.left.ms });
  }

  function writeCommit(current: CaseRecord, commit: EventCommit, snapshot: string): void {
    const { next, history } = commit;
    const update = next.stage === current.stage ? q.updateCase : q.updateCaseAndStage;
    const updated = update.run({
      id: current.id,
      version: current.version,
      machineVersion: next.machineVersion ?? current.machineVersion,
      stage: next.stage,
      status: next.status,
      paused: next.paused ? 1 : 0,
      clocks: next.clocks,
      snapshot,
      at: history.at,
    });
    if (updated.changes !== 1) throw new Error('case version changed inside its own transaction');
    if (next.facilitatorIds.join() !== current.facilitatorIds.join()) setFacilitators(current.id, next.facilitatorIds);
    if (!sameOversight(next.oversight, current.oversight)) q.updateOversight.run(oversightRow(current.id, next.oversight));
    if (commit.summary) writeSummary(current.id, commit.summary);
    if (next.status === 'closed' && current.status !== 'closed') q.setClosed.run(history.at, next.retainUntil ?? null, current.id);
    recount(current, next);
    if (commit.correctParty) correctPartyDetails(db, current.id, commit.correctParty, history.at);
    const seq = chain.append(current.id, history);
    const at = history.at;
    if (commit.firedTimerId !== undefined && q.settleTimer.run('fired', at, commit.firedTimerId).changes !== 1) throw new TimerAlreadySettled();
    for (const key of commit.cancelTimerKeys) {
      if (key === '*') q.cancelAllTimers.run(at, current.id);
      else q.cancelTimer.run(at, current.id, key);
    }
    for (const t of commit.timers) {
      q.cancelTimer.run(at, current.id, t.key);
      q.insertTimer.run(current.id, t.key, JSON.stringify(t.event), t.dueAt, t.whilePaused ? 1 : 0, seq);
    }
    if (commit.useLinkId !== undefined) links.use(commit.useLinkId, at);
    for (const recipient of commit.stopContactWith) {
      q.stopContact.run(current.id, recipient);
      links.revokeAll(current.id, recipient, at);
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
        nextAttemptAt: n.status === 'queued' ? at : null,
        createdAt: at,
      });
      if (n.status === 'failed') tasks.noticeFailed({ ...n, caseId: current.id, seq }, n.lastError ?? 'not delivered', at);
    }
    // After the notices: a closing case resolves even the task its own last email opened.
    if (commit.resolveTasks) tasks.resolve(current.id, commit.resolveTasks, seq, at);
    for (const l of commit.links) links.insert({ ...l, caseId: current.id, createdAt: at });
  }

  function commitEvent<R>(caseId: string, claim: IdempotencyClaim | undefined, decide: (c: CaseRecord | undefined) => Decision<R>): CommitOutcome<R> {
    const keyHash = claim && idempotencyKeyHash(claim);
    if (claim) {
      const prior = q.idempotency.get(keyHash) as
        | { request_hash: string; version: number; machine_version: number; at: string; snapshot: string }
        | undefined;
      if (prior) {
        if (prior.request_hash !== claim.requestHash) return { kind: 'keyReused' };
        const first = { version: prior.version, machineVersion: prior.machine_version, at: prior.at, snapshot: JSON.parse(prior.snapshot) };
        return { kind: 'replayed', record: loadCase(caseId)!, first };
      }
    }
    const current = loadCase(caseId);
    const decision = decide(current);
    if (decision.kind === 'reject') return { kind: 'rejected', refusal: decision.refusal };
    const { commit } = decision;
    const snapshot = JSON.stringify(commit.next.snapshot);
    writeCommit(current!, commit, snapshot);
    const version = current!.version + 1;
    const machineVersion = commit.next.machineVersion ?? current!.machineVersion;
    if (claim) q.saveIdempotency.run(keyHash, claim.requestHash, caseId, version, machineVersion, commit.history.at, snapshot);
    // Re-read: the allocation and the open tasks may have changed with the event.
    return { kind: 'committed', record: loadCase(caseId)! };
  }

  function createCase(record: Omit<CaseRecord, 'reference' | 'openTaskIds' | 'summary'>, history: HistoryEntry, summary: SummaryUpdate, claim?: IdempotencyClaim) {
    const keyHash = claim && idempotencyKeyHash(claim);
    if (claim) {
      const prior = q.idempotency.get(keyHash) as { request_hash: string; case_id: string } | undefined;
      if (prior) return prior.request_hash === claim.requestHash ? { record: loadCase(prior.case_id)!, replayed: true } : { keyReused: true as const };
    }
    const n = q.nextCaseNumber.get() as number;
    const reference = `RJ-${record.createdAt.slice(0, 4)}-${String(n).padStart(6, '0')}`;
    q.insertCase.run({
      ...record,
      ...record.oversight,
      reference,
      paused: record.paused ? 1 : 0,
      snapshot: JSON.stringify(record.snapshot),
      referral: JSON.stringify(record.referral),
      agency: String((record.referral as { referrer?: { agency?: unknown } }).referrer?.agency ?? ''),
      summary: JSON.stringify(summary.value),
    });
    setFacilitators(record.id, record.facilitatorIds);
    recount({ facilitatorIds: [], stage: record.stage, status: record.status }, record);
    chain.append(record.id, history);
    if (claim) q.saveIdempotency.run(keyHash, claim.requestHash, record.id, record.version, record.machineVersion, record.createdAt, JSON.stringify(record.snapshot));
    return { record: loadCase(record.id)!, replayed: false };
  }

  return {
    createCase: (record, history, summary, claim) => writes.run(() => createCase(record, history, summary, claim)),
    caseById: async (id) => loadCase(id),
    commitEvent: (caseId, claim, decide) => writes.run(() => commitEvent(caseId, claim, decide)),
    history: async (caseId) => (q.history.all(caseId) as Record<string, unknown>[]).map(toHistory),
    notices: async (caseId) => (q.notices.all(caseId) as Record<string, unknown>[]).map(toNotice),
    openTasks: async (caseId) => (q.openTasks.all(caseId) as Record<string, unknown>[]).map(toTask),
    pendingTimers: async (caseId) => (q.pendingTimers.all(caseId) as Record<string, unknown>[]).map(toTimer),
    caseloadDetails: async (caseIds, historyTypes) => {
      if (caseIds.length === 0) return { timers: [], events: [] };
      const places = (n: number) => Array.from({ length: n }, () => '?').join(',');
      const timers = prepared(`SELECT * FROM timers WHERE case_id IN (${places(caseIds.length)}) AND status = 'pending' ORDER BY due_at, id`).all(...caseIds);
      const events = prepared(
        `SELECT ${historyColumns} FROM ${historyFrom}
         WHERE h.case_id IN (${places(caseIds.length)}) AND h.type IN (${places(historyTypes.length)}) ORDER BY h.seq`,
      ).all(...caseIds, ...historyTypes);
      return { timers: (timers as Record<string, unknown>[]).map(toTimer), events: (events as Record<string, unknown>[]).map(toHistory) };
    },
    dueTimers: async (now, limit) => (q.dueTimers.all(now, limit) as Record<string, unknown>[]).map(toTimer),
    settleTimer: (id, status, at) => writes.run(() => void q.settleTimer.run(status, at, id)),
    casesBelowVersion: async (version) => q.casesBelowVersion.all(version) as string[],
    casesWithoutSummary: async (limit) => (q.withoutSummary.all(limit) as CaseRow[]).map(toCase),
    saveSummary: (caseId, summary, stageTimes, clockDueAt) =>
      writes.run(() => {
        writeSummary(caseId, summary);
        q.setClockDue.run(clockDueAt, caseId);
        for (const t of stageTimes) q.addStageTime.run({ caseId, stage: t.stage, ms: t.ms });
      }),
  };
}
