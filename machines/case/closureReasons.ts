/** Coded closure reasons from domain.md, grouped so reports count them the same way every time. */
export const closureReasonGroups = {
  completed: ['completed_direct', 'completed_indirect', 'agreement_fulfilled', 'agreement_not_fulfilled'],
  victim: ['victim_declined', 'victim_withdrew', 'victim_no_response', 'victim_not_ready'],
  offender: [
    'offender_declined',
    'offender_withdrew',
    'offender_denies_responsibility',
    'offender_unreachable',
    'offender_unavailable',
    'offender_reoffended',
    'offender_non_compliant',
  ],
  service: ['unsuitable', 'risk_too_high', 'referred_to_specialist', 'no_trained_facilitator'],
  administrative: ['ineligible_referral', 'duplicate_referral', 'transferred', 'court_deadline_passed'],
} as const;

type Groups = typeof closureReasonGroups;
export type ClosureReason = Groups[keyof Groups][number];

export const closureReasons = Object.values(closureReasonGroups).flat() as [ClosureReason, ...ClosureReason[]];

/** A referral can only be declined for a service or administrative reason. */
export const referralDeclineReasons = [
  ...closureReasonGroups.service,
  ...closureReasonGroups.administrative,
] as [ClosureReason, ...ClosureReason[]];

export const completedReasons: readonly ClosureReason[] = closureReasonGroups.completed;

/** Each closure code in words, for forms and case pages; reports count by the codes. */
export const closureReasonLabels: Record<ClosureReason, string> = {
  completed_direct: 'Direct process completed',
  completed_indirect: 'Indirect process completed',
  agreement_fulfilled: 'Agreement fulfilled',
  agreement_not_fulfilled: 'Agreement not fulfilled',
  victim_declined: 'The victim declined',
  victim_withdrew: 'The victim withdrew',
  victim_no_response: 'The victim did not respond',
  victim_not_ready: 'The victim is not ready (offer again later)',
  offender_declined: 'The offender declined',
  offender_withdrew: 'The offender withdrew',
  offender_denies_responsibility: 'The offender denies responsibility',
  offender_unreachable: 'The offender could not be reached',
  offender_unavailable: 'The offender is unavailable (in custody, moved away)',
  offender_reoffended: 'The offender reoffended',
  offender_non_compliant: 'The offender did not comply',
  unsuitable: 'Not suitable for restorative justice',
  risk_too_high: 'The risk is too high',
  referred_to_specialist: 'Referred to a specialist service',
  no_trained_facilitator: 'No trained facilitator is available',
  ineligible_referral: 'The referral is not eligible',
  duplicate_referral: 'A duplicate of another referral',
  transferred: 'Transferred to another service',
  court_deadline_passed: 'The court deadline has passed',
};
