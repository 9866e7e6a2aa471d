import type { Actor } from '../machines/case/events.js';
import type { CaseRecord, Role } from './store/store.js';

/**
 * Who may see and do what, in one place, for the API and the pages alike.
 * Deny by default: a caller sees a case only by one of the rules below.
 */

/** Who is asking. Staff see cases by role and allocation; a party sees only its own case; the system sees all. */
export type Caller = Actor & ({ kind: 'user'; id: string } | { kind: 'party'; caseId: string } | { kind: 'system' });
export type StaffCaller = Caller & { kind: 'user' };

export function canSee(caller: Caller, record: Pick<CaseRecord, 'id' | 'facilitatorIds'>): boolean {
  switch (caller.kind) {
    case 'system':
      return true;
    case 'party':
      return caller.caseId === record.id;
    default:
      return caller.role === 'supervisor' || (caller.role === 'facilitator' && record.facilitatorIds.includes(caller.id));
  }
}

/** Facilitators and supervisors work cases; admins manage users and settings, not cases. */
export const worksCases = (role: string) => role === 'facilitator' || role === 'supervisor';

/** Referrals are entered by those who work cases. */
export const mayEnterReferrals = (caller: StaffCaller) => worksCases(caller.role);

/** The caseload a caller may list: a facilitator's own cases, every case for a supervisor, none for anyone else. */
export function caseloadScope(caller: StaffCaller): { facilitatorId?: string } | undefined {
  if (caller.role === 'supervisor') return {};
  if (caller.role === 'facilitator') return { facilitatorId: caller.id };
  return undefined;
}

/** Supervisors audit: the chain's verification, a case's audited history and its exports, and who opened each case. */
export const mayAudit = (caller: StaffCaller) => caller.role === 'supervisor';

/** Supervisors oversee the service: the dashboard across every case, and practitioners' supervision. */
export const mayOversee = (caller: StaffCaller) => caller.role === 'supervisor';
export const mayRecordSupervision = mayOversee;

/** Supervisors report to the commissioner. */
export const mayReport = (caller: StaffCaller) => caller.role === 'supervisor';

/** Supervisors manage a case's personal data: subject access exports, erasure on request, and legal holds on its retention. */
export const mayManagePersonalData = (caller: StaffCaller) => caller.role === 'supervisor';

/** Admins manage accounts: adding, disabling, resetting two-factor sign-in, and the record of failed access. */
export const mayAdminister = (caller: StaffCaller) => caller.role === 'admin';

/** Whether this user must sign in with a second step: their role requires it, or they set it up themselves. */
export const needsSecondStep = (user: { role: Role; totpSecret: string | null }, requiredFor: readonly string[]) =>
  user.totpSecret !== null || requiredFor.includes(user.role);

/** API tokens are issued in the app only to users who sign in with two steps; the CLI, on the server, may issue them to anyone. */
export const mayIssueApiTokens = (user: { totpSecret: string | null }) => user.totpSecret !== null;

export const staffCaller = (user: { id: string; role: Role }): StaffCaller => ({ kind: 'user', id: user.id, role: user.role });

export function actorOf(caller: Caller): Actor {
  return caller.kind === 'user' ? { kind: 'user', id: caller.id, role: caller.role } : { kind: caller.kind, role: caller.role };
}
