import { z } from 'zod';
import { stages } from '../../../../machines/case/context.js';
import { caseQueues } from '../../../store/store.js';

/** The caseload's controls from the query string; anything unreadable falls back to the default rather than failing. */
const query = z.object({
  stage: z.enum(stages).optional().catch(undefined),
  // References are RJ-YYYY-NNNNNN: only those characters are searched for, upper-cased.
  q: z.string().trim().toUpperCase().regex(/^[A-Z0-9-]{1,20}$/).optional().catch(undefined),
  sort: z.enum(['newest', 'oldest', 'updated']).default('newest').catch('newest'),
  // One of the dashboard's lists, and (for supervisors) one facilitator's cases.
  queue: z.enum(caseQueues).optional().catch(undefined),
  facilitator: z.string().regex(/^[A-Za-z0-9-]{1,100}$/).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).default(1).catch(1),
});

export type CaseloadQuery = z.infer<typeof query>;

export const readCaseloadQuery = (raw: unknown): CaseloadQuery => query.parse(typeof raw === 'object' && raw ? raw : {});
