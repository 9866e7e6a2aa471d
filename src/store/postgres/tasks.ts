import { v7 as timeOrderedId } from 'uuid';
import { isStaffRecipient, undeliverableNotice } from '../store.js';
import type { Client } from './database.js';
import { changed } from './query.js';

/** What follows a notice that could not be delivered, and tasks dealt with: as src/store/sqlite/tasks.ts writes them. */
export const pgTaskWrites = {
  /** The failed notice `failed` (its id is the task's too) of `caseId`, recorded at history row `seq`. */
  async noticeFailed(c: Client, failed: { id: string; caseId: string; seq: number; template: string; recipient: string }, lastError: string, at: string) {
    if (isStaffRecipient(failed.recipient)) return;
    await c.query("INSERT INTO tasks (id, case_id, kind, notice_id, created_at) VALUES ($1, $2, 'notice_undeliverable', $1, $3)", [failed.id, failed.caseId, at]);
    const { template, recipient, data } = undeliverableNotice(failed, lastError);
    await c.query(
      `INSERT INTO notices (id, case_id, seq, template, recipient, data, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7)`,
      [timeOrderedId(), failed.caseId, failed.seq, template, recipient, JSON.stringify(data), at],
    );
  },
  /** Marks tasks dealt with by history row `seq`; the chart has checked each named one is open. */
  async resolve(c: Client, caseId: string, { taskIds, note }: { taskIds: string[]; note: string }, seq: number, at: string) {
    for (const id of taskIds) {
      if (id === '*') await c.query('UPDATE tasks SET resolved_at = $1, resolved_seq = $2, resolution = $3 WHERE case_id = $4 AND resolved_at IS NULL', [at, seq, note, caseId]);
      else if ((await changed(c, 'UPDATE tasks SET resolved_at = $1, resolved_seq = $2, resolution = $3 WHERE id = $4 AND case_id = $5 AND resolved_at IS NULL', [at, seq, note, id, caseId])) !== 1)
        throw new Error(`task ${id} is not open on case ${caseId}`);
    }
  },
};

export const pgOpenTasksSql = `SELECT t.id, t.case_id, t.kind, t.created_at, t.resolved_at, t.resolution,
    n.template, n.recipient, n.last_error
  FROM tasks t JOIN notices n ON n.id = t.notice_id
  WHERE t.case_id = $1 AND t.resolved_at IS NULL ORDER BY t.created_at, t.id`;
