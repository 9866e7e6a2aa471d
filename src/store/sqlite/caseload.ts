import type { Db } from '../database.js';
import type { CaseListFilter, CaseloadStore } from '../store.js';
import { queueConditions, queueCounts } from '../queues.js';
import type { Prepared } from './prepared.js';
import { caseColumns, toCase, type CaseRow } from '../rows.js';

const orders = { newest: 'created_at DESC, id DESC', oldest: 'created_at ASC, id ASC', updated: 'updated_at DESC, id DESC' } as const;

/**
 * Caseload pages. Only the page's ids are read, walking an index in page order; whole rows are
 * loaded for those alone. A facilitator's newest-first caseload reads only their allocations.
 */
export function sqliteCaseload(db: Db, prepared: Prepared): CaseloadStore {
  const caseById = db.prepare(`SELECT ${caseColumns} FROM cases c WHERE c.id = ?`);

  function caseloadPage({ stage, facilitatorId, referencePrefix, sort = 'newest', queue, limit, offset }: CaseListFilter): { ids: string[]; total: number } {
    const params = { stage, facilitatorId, referencePrefix: referencePrefix && globLiteral(referencePrefix), limit, offset, ...(queue ? { now: queue.now, today: queue.today, stalledBefore: queue.stalledBefore } : {}) };
    const where = [
      ...(stage ? ['c.stage = @stage'] : []),
      // GLOB is case-sensitive, so the reference index serves the prefix.
      ...(referencePrefix ? ["c.reference GLOB @referencePrefix || '*'"] : []),
      ...(queue ? [queueConditions[queue.name]] : []),
    ];
    const ownNewest = facilitatorId && sort === 'newest' && where.length === 0;
    const [from, id, order, conditions] = ownNewest
      ? ['case_facilitators f', 'f.case_id', 'f.case_created_at DESC, f.case_id DESC', ['f.user_id = @facilitatorId']]
      : facilitatorId
        ? ['case_facilitators f JOIN cases c ON c.id = f.case_id', 'c.id', prefixed(orders[sort]), ['f.user_id = @facilitatorId', ...where]]
        : ['cases c', 'c.id', prefixed(orders[sort]), where];
    const clause = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const ids = prepared(`SELECT ${id} FROM ${from} ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset`).pluck().all(params) as string[];
    // One of the dashboard's lists, and nothing else: counted as the dashboard counts it.
    const countSql = queue && where.length === 1 && !facilitatorId ? queueCounts[queue.name] : `SELECT count(*) FROM ${from} ${clause}`;
    const total = prepared(countSql).pluck().get(params) as number;
    return { ids, total };
  }

  return {
    listCases: async (filter) => {
      const { ids, total } = caseloadPage(filter);
      return { cases: ids.map((id) => toCase(caseById.get(id) as CaseRow)), total };
    },
  };
}

/** GLOB's own characters in a prefix, each in brackets, so a prefix matches only itself. */
const globLiteral = (prefix: string) => prefix.replace(/[*?[]/g, (ch) => `[${ch}]`);

const prefixed = (order: string) => order.replace(/(\w+) (ASC|DESC)/g, 'c.$1 $2');
