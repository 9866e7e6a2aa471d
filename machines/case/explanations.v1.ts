import type { CaseContext } from './context.js';
import type { caseMachineV1 } from './machine.v1.js';
import { rulesV2 } from './machine.v2.js';
import type { Explanation } from './rules.js';

type V1Guard = keyof typeof caseMachineV1.implementations.guards;

/** A v2 rule's explanation for a v1 guard of the same name and meaning; those read only what both versions' contexts hold. */
const asInV2 = (name: keyof typeof rulesV2): Explanation<CaseContext> => {
  const { check: _check, ...explanation } = rulesV2[name];
  return explanation as unknown as Explanation<CaseContext>;
};

/**
 * Why machine v1 refuses an event, for the cases still on it. v1 was released
 * before guards had explanations, so they are kept here rather than in its
 * frozen module; where v2 kept a guard's meaning, its sentence is reused.
 */
export const explanationsV1: Record<V1Guard, Explanation<CaseContext>> = {
  responsibilityAcknowledged: asInV2('responsibilityAcknowledged'),
  offenderDeclined: asInV2('offenderDeclined'),
  offenderDeniesResponsibility: asInV2('offenderDeniesResponsibility'),
  victimSaidYes: asInV2('victimSaidYes'),
  victimSaidNo: asInV2('victimSaidNo'),
  victimSaidNotNow: asInV2('victimSaidNotNow'),
  needsSupervisorApproval: asInV2('needsSupervisorApproval'),
  approverIsNotAssessor: asInV2('approverIsNotAssessor'),
  rejectionCloses: asInV2('rejectionCloses'),
  processAllowedByRisk: asInV2('processAllowedByRisk'),
  directContactAllowed: asInV2('directContactAllowed'),
  conferenceChosen: asInV2('conferenceChosen'),
  indirectProcessChosen: asInV2('indirectProcessChosen'),
  bothPartiesPrepared: asInV2('bothPartiesPrepared'),
  hasIndirectExchanges: asInV2('hasIndirectExchanges'),
  itemIsPending: asInV2('itemIsPending'),
  closureReasonFitsStage: asInV2('closureReasonFitsStage'),
  closureSignedOffIndependently: asInV2('closureSignedOffIndependently'),
  noPartyWithdrew: asInV2('noPartyWithdrew'),
  closureRequestedWhilePaused: asInV2('closureRequestedWhilePaused'),
  closureWasStaffDecision: {
    explain: () => "Only a closure staff proposed can be returned; this one follows a party's own answer or a withdrawal.",
  },
  partyActsForThemselves: {
    explain: () => 'A party can withdraw only their own consent, and only once.',
  },
};
