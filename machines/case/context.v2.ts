import { initialContext, sensitiveFlags, type CaseContext, type CaseInput, type Flags } from './context.js';

/** What a facilitator can be trained for: the sensitive offence types that need a specialist (RJC Code item D). */
export const specialisms = sensitiveFlags;
export type Specialism = (typeof specialisms)[number];

/** The sensitive flags a case carries, each needing a facilitator trained for it. */
export const specialismsNeeded = (flags: Flags): Specialism[] => specialisms.filter((f) => flags[f] === true);

/**
 * What machine v2 knows beyond v1: whether the victim was sent the invitation
 * (informed consent), how many agreement item ids have been issued (so an id is
 * never reused after a revised risk), and when the meeting or exchange was held.
 */
export interface CaseContextV2 extends CaseContext {
  victim: CaseContext['victim'] & { invited: boolean };
  itemsIssued: number;
  heldAt: string | null;
}

export function initialContextV2(input: CaseInput): CaseContextV2 {
  const base = initialContext(input);
  return { ...base, victim: { ...base.victim, invited: false }, itemsIssued: 0, heldAt: null };
}
