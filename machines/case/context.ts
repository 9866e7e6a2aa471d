import type { ClosureReason } from './closureReasons.js';
import type { Actor } from './events.js';

export const stages = ['referral', 'consent', 'riskAssessment', 'preparation', 'conference', 'followUp', 'closed'] as const;
export type Stage = (typeof stages)[number];

export interface Flags {
  domesticAbuse?: boolean;
  sexualOffence?: boolean;
  hateCrime?: boolean;
  stalking?: boolean;
  youth?: boolean;
  vulnerableVictim?: boolean;
}

/** Offence types that need specialist facilitators and supervisor sign-off (RJC Code item D). */
export const sensitiveFlags = ['domesticAbuse', 'sexualOffence', 'hateCrime', 'stalking'] as const;
export const isSensitive = (flags: Flags) => sensitiveFlags.some((f) => flags[f] === true);

export interface AgreementItem {
  id: string;
  action: string;
  owner: string;
  dueDate: string;
  status: 'pending' | 'completed' | 'missed';
  overdue: boolean;
}

export interface Supporter {
  id: string;
  party: 'victim' | 'offender';
  name: string;
  email?: string;
}

export interface Risk {
  level: 'low' | 'medium' | 'high';
  directContactAllowed: boolean;
  assessedBy: string;
  approvedBy: string | null;
}

/**
 * What the machine's rules need to know. Contact details are kept out of it on
 * purpose (supporters' emails aside, which staff entered for invitations), so a
 * snapshot never spreads one party's details to another.
 */
export interface CaseContext {
  stage: Stage;
  flags: Flags;
  facilitatorIds: string[];
  victim: { preferredProcess: string | null; accessNeeds: string | null; reofferAfter: string | null; withdrawn: boolean };
  offender: { withdrawn: boolean };
  risk: Risk | null;
  prepared: { victim: boolean; offender: boolean };
  supporters: Supporter[];
  process: 'conference' | 'shuttle' | 'letter' | null;
  conference: { startsAt: string; venue: string } | null;
  exchanges: number;
  meetingHeld: boolean;
  agreement: AgreementItem[];
  closure: { reason: ClosureReason; requestedBy: Actor; fromStage: Stage; note: string | null } | null;
  closureReason: ClosureReason | null;
  pause: { reason: string; until: string | null } | null;
  notes: number;
}

export interface CaseInput {
  flags: Flags;
}

export function initialContext({ flags }: CaseInput): CaseContext {
  return {
    stage: 'referral',
    flags,
    facilitatorIds: [],
    victim: { preferredProcess: null, accessNeeds: null, reofferAfter: null, withdrawn: false },
    offender: { withdrawn: false },
    risk: null,
    prepared: { victim: false, offender: false },
    supporters: [],
    process: null,
    conference: null,
    exchanges: 0,
    meetingHeld: false,
    agreement: [],
    closure: null,
    closureReason: null,
    pause: null,
    notes: 0,
  };
}
