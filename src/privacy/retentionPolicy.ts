import { addDuration } from '../cases/timing.js';

/** How long a closed case's personal content is kept (ISO 8601 durations from RETENTION_AFTER_CLOSURE and RETENTION_DECLINED). */
export interface RetentionPolicy {
  afterClosure: string;
  declined: string;
}

/** Seven years after closure is a common RJ service policy; a referral that never became a case needs far less. */
export const defaultRetention: RetentionPolicy = { afterClosure: 'P7Y', declined: 'P1Y' };

/** Closure codes that mean the referral itself was not taken on: it was declined, or was never eligible. */
const notTakenOn = new Set(['ineligible_referral', 'duplicate_referral']);

/** Whether a closed case counts as a declined or ineligible referral: declined at the referral stage, or closed as not eligible. */
export const isDeclinedReferral = (closureReason: string | null, declinedAtReferral: boolean) =>
  declinedAtReferral || (closureReason !== null && notTakenOn.has(closureReason));

/** The date until which a case closed at `closedAt` keeps its personal content. */
export const retainUntil = (policy: RetentionPolicy, closedAt: string, declined: boolean) =>
  addDuration(closedAt, declined ? policy.declined : policy.afterClosure);
