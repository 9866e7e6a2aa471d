import { z } from 'zod';
import { emailAddress, phoneNumber } from '../../machines/case/events.js';
import { londonDate } from '../calendar/londonTime.js';
import type { Issue } from './validation.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const person = z.strictObject({
  name: text(200),
  email: emailAddress.optional(),
  phone: phoneNumber.optional(),
});

/** A referral, as domain.md describes it. Creating a case from it is the only way a case begins. */
export const referralSchema = z.strictObject({
  referrer: z.strictObject({ agency: text(200), name: text(200), email: emailAddress }),
  offence: z.strictObject({
    type: text(200),
    date: z.iso.date(),
    description: text(2000),
    crimeReference: text(50).optional(),
  }),
  cjsStage: z.enum(['out_of_court', 'pre_sentence', 'post_sentence', 'custody']),
  initiatedBy: z.enum(['victim', 'offender', 'agency']),
  victim: person,
  offender: person,
  flags: z
    .strictObject({
      domesticAbuse: z.boolean().optional(),
      sexualOffence: z.boolean().optional(),
      hateCrime: z.boolean().optional(),
      stalking: z.boolean().optional(),
      youth: z.boolean().optional(),
      vulnerableVictim: z.boolean().optional(),
    })
    .default({}),
});

export type Referral = z.infer<typeof referralSchema>;

/** Dates a referral's schema cannot judge alone: an offence cannot have happened after the referral about it. */
export function referralDateIssues(referral: Referral, receivedAt: string): Issue[] {
  const today = londonDate(receivedAt);
  return referral.offence.date > today
    ? [{ path: 'offence.date', message: `the offence cannot be dated after the referral (received ${today}): give the date it happened, as YYYY-MM-DD` }]
    : [];
}
