import { z } from 'zod';
import { entryKinds } from './auditTrail.js';

/** The history page's filters (kinds of entry) and whether to check the chain; anything unreadable falls back to the default. */
const query = z.object({
  show: z
    .union([z.enum(entryKinds), z.array(z.enum(entryKinds))])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional()
    .catch(undefined),
  check: z.literal('chain').optional().catch(undefined),
});

export type HistoryQuery = { show: (typeof entryKinds)[number][]; check: boolean };

export function readHistoryQuery(raw: unknown): HistoryQuery {
  const q = query.parse(typeof raw === 'object' && raw ? raw : {});
  return { show: q.show?.length ? [...new Set(q.show)] : [...entryKinds], check: q.check === 'chain' };
}
