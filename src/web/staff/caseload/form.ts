import { z } from 'zod';
import { stages } from '../../../../machines/case/context.js';

/** The caseload's controls from the query string; anything unreadable falls back to the default rather than failing. */
const query = z.object({
  stage: z.enum(stages).optional().catch(undefined),
  // References are RJ-YYYY-NNNNNN: only those characters are searched for, upper-cased.
  q: z.string().trim().toUpperCase().regex(/^[A-Z0-9-]{1,20}$/).optional().catch(undefined),
  sort: z.enum(['newest', 'oldest', 'updated']).default('newest').catch('newest'),
  page: z.coerce.number().int().min(1).max(100000).default(1).catch(1),
});

export type CaseloadQuery = z.infer<typeof query>;

export const readCaseloadQuery = (raw: unknown): CaseloadQuery => query.parse(typeof raw === 'object' && raw ? raw : {});
