import type { Db } from '../database.js';
import type { CaseListFilter, CaseloadStore } from '../store.js';
import type { Prepared } from './prepared.js';
import { caseColumns, toCase, type CaseRow } from './rows.js';

/** Caseload pages, newest first. Only the page's ids are read from the ordering index; whole rows are loaded for those alone. */
export function sqliteCaseload(db: Db, prepared: Prepared): CaseloadStore {
  const caseById = db.prepare(`SELECT ${caseColumns} FROM cases c WHERE c.id = ?`);

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

  return {
    listCases: async (filter) => {
      const { ids, total } = caseloadPage(filter);
      return { cases: ids.map((id) => toCase(caseById.get(id) as CaseRow)), total };
    },
  };
}
