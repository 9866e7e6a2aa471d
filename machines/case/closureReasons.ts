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
