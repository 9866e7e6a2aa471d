import { v7 as timeOrderedId } from 'uuid';
import type { Db } from '../database.js';
import { isStaffRecipient, undeliverableNotice } from '../store.js';

/**
 * What follows a notice that could not be delivered, written inside the
 * transaction that records the failure (an event's, or the outbox's): for a
 * party's notice, a task for the facilitators and a `notice_undeliverable` email
 * to them; for a staff notice, nothing more. One rule for both paths.
 */
export function taskWrites(db: Db) {
  const q = {
    insertTask: db.prepare(
      "INSERT INTO tasks (id, case_id, kind, notice_id, created_at) VALUES (@id, @caseId, 'notice_undeliverable', @id, @at)",
    ),
    insertNotice: db.prepare(
      `INSERT INTO notices (id, case_id, seq, template, recipient, data, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
    ),
    resolve: db.prepare(
      'UPDATE tasks SET resolved_at = @at, resolved_seq = @seq, resolution = @note WHERE id = @id AND case_id = @caseId AND resolved_at IS NULL',
    ),
    resolveAll: db.prepare('UPDATE tasks SET resolved_at = @at, resolved_seq = @seq, resolution = @note WHERE case_id = @caseId AND resolved_at IS NULL'),
  };

  return {
    /** The failed notice `failed` (its id is the task's too) of `caseId`, recorded at history row `seq`. */
    noticeFailed(failed: { id: string; caseId: string; seq: number; template: string; recipient: string }, lastError: string, at: string) {
      if (isStaffRecipient(failed.recipient)) return;
      q.insertTask.run({ id: failed.id, caseId: failed.caseId, at });
      const { template, recipient, data } = undeliverableNotice(failed, lastError);
      q.insertNotice.run(timeOrderedId(), failed.caseId, failed.seq, template, recipient, JSON.stringify(data), at, at);
    },
    /** Marks tasks dealt with by history row `seq`; the chart has checked each named one is open. */
    resolve(caseId: string, { taskIds, note }: { taskIds: string[]; note: string }, seq: number, at: string) {
      for (const id of taskIds) {
        if (id === '*') q.resolveAll.run({ caseId, seq, note, at });
        else if (q.resolve.run({ id, caseId, seq, note, at }).changes !== 1) throw new Error(`task ${id} is not open on case ${caseId}`);
      }
    },
  };
}

export const openTasksSql = `SELECT t.id, t.case_id, t.kind, t.created_at, t.resolved_at, t.resolution,
    n.template, n.recipient, n.last_error
  FROM tasks t JOIN notices n ON n.id = t.notice_id
  WHERE t.case_id = ? AND t.resolved_at IS NULL ORDER BY t.created_at, t.id`;
