import { queueConditions, queueCounts } from '../queues.js';
import { toCase, type CaseRow } from '../rows.js';
import type { CaseListFilter, CaseloadStore } from '../store.js';
import { pgCaseColumns } from './cases.js';
import type { Pool } from './database.js';
import { all, first, named } from './query.js';

const orders = { newest: 'c.created_at DESC, c.id DESC', oldest: 'c.created_at ASC, c.id ASC', updated: 'c.updated_at DESC, c.id DESC' } as const;

/** LIKE's own characters in a prefix, escaped, so a prefix matches only itself. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** Caseload pages, as src/store/sqlite/caseload.ts reads them: the page's ids by an index, then those cases whole. */
export function pgCaseload(pool: Pool): CaseloadStore {
  async function caseloadPage({ stage, facilitatorId, referencePrefix, sort = 'newest', queue, limit, offset }: CaseListFilter) {
    const params = {
      stage, facilitatorId, limit, offset,
      ...(referencePrefix ? { referencePrefix: likePrefix(referencePrefix) } : {}),
      ...(queue ? { now: queue.now, today: queue.today, stalledBefore: queue.stalledBefore } : {}),
    };
    const where = [
      ...(stage ? ['c.stage = @stage'] : []),
      ...(referencePrefix ? ['c.reference LIKE @referencePrefix'] : []),
      ...(queue ? [queueConditions[queue.name]] : []),
    ];
    const ownNewest = facilitatorId && sort === 'newest' && where.length === 0;
    const [from, id, order, conditions] = ownNewest
      ? ['case_facilitators f', 'f.case_id', 'f.case_created_at DESC, f.case_id DESC', ['f.user_id = @facilitatorId']]
      : facilitatorId
        ? ['case_facilitators f JOIN cases c ON c.id = f.case_id', 'c.id', orders[sort], ['f.user_id = @facilitatorId', ...where]]
        : ['cases c', 'c.id', orders[sort], where];
    const clause = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const page = named(`SELECT ${id} AS id FROM ${from} ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset`, params);
    const ids = (await all<{ id: string }>(pool, page.text, page.values)).map((r) => r.id);
    // One of the dashboard's lists, and nothing else: counted as the dashboard counts it.
    const count = named(`SELECT (${queue && where.length === 1 && !facilitatorId ? queueCounts[queue.name] : `SELECT count(*) FROM ${from} ${clause}`}) AS n`, params);
    const total = (await first<{ n: number }>(pool, count.text, count.values))!.n;
    return { ids, total };
  }

  return {
    listCases: async (filter) => {
      const { ids, total } = await caseloadPage(filter);
      if (ids.length === 0) return { cases: [], total };
      const rows = await all<CaseRow>(pool, `SELECT ${pgCaseColumns} FROM cases c WHERE c.id = ANY($1)`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, toCase(r)]));
      return { cases: ids.map((i) => byId.get(i)!), total };
    },
  };
}
