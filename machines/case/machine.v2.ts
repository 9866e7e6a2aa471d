import { and, assign, enqueueActions, setup } from 'xstate';
import { completedReasons, type ClosureReason } from './closureReasons.js';
import { isSensitive, type CaseInput } from './context.js';
import { initialContextV2, specialismsNeeded, type CaseContextV2 } from './context.v2.js';
import type { CancelTimersParams, NotifyParams, Recipient, ResolveTasksParams, ScheduleParams, StopContactParams } from './effects.js';
import { directProcesses, type CaseEvent, type EventOf, type EventType } from './events.js';
import { guardsOf, type GuardArgs, type Rule } from './rules.js';
import { inWords as words, ukTime } from './wording.js';

/**
 * Case machine v2. What changed from v1 (machine.v1.ts, kept as released):
 * named rules with an explanation each (refusals say why); informed consent
 * before a "yes" staff record; dates that make sense (no conference in the
 * past, no outcome before it took place, no item due before the meeting);
 * specialist-trained facilitators for sensitive cases; a party's "no" can be
 * returned like a staff one; notes in referral; a risk revised while it awaits
 * approval; agreement item ids never reused; tasks resolved with a note; and
 * (in the engine's clocks, see index.ts) timers that wait while a closure awaits sign-off.
 */

type Args = GuardArgs<CaseContextV2>;
const ev = <T extends EventType>(event: CaseEvent) => event as EventOf<T>;

const invitationTimers = ['invitationReminder', 'invitationExpiry'];
const parties: Recipient[] = ['victim', 'offender', 'supporters'];
const hasOpenItems = (c: CaseContextV2) => c.agreement.some((i) => i.status === 'pending');
const partyName = { victim: 'victim', offender: 'offender' } as const;
const specialismWords: Record<string, string> = {
  domesticAbuse: 'domestic abuse',
  sexualOffence: 'sexual offences',
  hateCrime: 'hate crime',
  stalking: 'stalking',
};
/** UTC calendar date of an instant: due dates are dates, meetings are instants. */
const dayOf = (instant: string) => new Date(instant).toISOString().slice(0, 10);

/** Why a closure reason does not fit the case now, or null when it does: completion codes only once the process has run. */
function closureReasonProblem(context: CaseContextV2, reason: ClosureReason): string | null {
  if (!completedReasons.includes(reason)) return null;
  if (context.stage !== 'followUp') return `${reason} can be used only in follow-up, after the conference or exchange.`;
  if (hasOpenItems(context)) return `${reason} can be used only once every agreement item is marked completed or missed.`;
  const items = context.agreement;
  switch (reason) {
    case 'completed_direct':
      return context.process === 'conference' ? null : 'completed_direct is for a case that held a conference; this one used an indirect exchange.';
    case 'completed_indirect':
      return context.process !== 'conference' ? null : 'completed_indirect is for an indirect exchange; this case held a conference.';
    case 'agreement_fulfilled':
      return items.length > 0 && items.every((i) => i.status === 'completed')
        ? null
        : 'agreement_fulfilled needs an agreement whose every item was completed.';
    default:
      return items.some((i) => i.status === 'missed') ? null : 'agreement_not_fulfilled needs at least one agreement item marked missed.';
  }
}

/** The specialisms a sensitive case needs that none of the facilitators the event allocates is trained for. */
function untrainedSpecialisms({ context, event }: Args): string[] {
  const { facilitatorIds } = ev<'ACCEPT_REFERRAL'>(event);
  const trainedFor = event.facts?.trainedFor ?? {};
  return specialismsNeeded(context.flags).filter((s) => !facilitatorIds.some((id) => trainedFor[id]?.includes(s)));
}

/** When the meeting took place: as recorded, or at its planned start. */
const meetingTime = ({ context, event }: Args) => ev<'RECORD_OUTCOME'>(event).heldAt ?? context.conference?.startsAt ?? event.at;
const itemDueBeforeMeeting = (args: Args) => {
  const day = dayOf(meetingTime(args));
  return ev<'RECORD_OUTCOME'>(args.event).agreement.findIndex((item) => item.dueDate < day);
};

const itemOf = ({ context, event }: Args) => context.agreement.find((i) => i.id === ev<'COMPLETE_AGREEMENT_ITEM'>(event).itemId);
const answer = (response: string) => ({ event }: Args) => ev<'VICTIM_RESPONDED'>(event).response === response;
const offenderAnswer = (response: string) => ({ event }: Args) => ev<'RECORD_OFFENDER_RESPONSE'>(event).response === response;

/** Every guard of this chart, with the sentence a refusal gives when it does not hold. */
export const rulesV2 = {
  // ---- choices: which way an event goes ----
  victimSaidYes: { kind: 'choice', check: answer('yes'), explain: () => 'The victim said yes.' },
  victimSaidNo: { kind: 'choice', check: answer('no'), explain: () => 'The victim said no.' },
  victimSaidNotNow: { kind: 'choice', check: answer('not_now'), explain: () => 'The victim said not now.' },
  victimWantsMoreInfo: { kind: 'choice', check: answer('more_info'), explain: () => 'The victim asked for more information.' },
  responsibilityAcknowledged: {
    kind: 'choice',
    check: offenderAnswer('willing'),
    explain: () => 'The offender acknowledges responsibility and is willing to take part.',
  },
  offenderDeclined: { kind: 'choice', check: offenderAnswer('declined'), explain: () => 'The offender declined.' },
  offenderDeniesResponsibility: {
    kind: 'choice',
    check: offenderAnswer('denies_responsibility'),
    explain: () => 'The offender denies responsibility.',
  },
  offenderUnreachable: { kind: 'choice', check: offenderAnswer('unreachable'), explain: () => 'The offender could not be reached.' },
  needsSupervisorApproval: {
    kind: 'choice',
    check: ({ context, event }) => ev<'SUBMIT_RISK_ASSESSMENT'>(event).level === 'high' || isSensitive(context.flags),
    explain: () => 'High risk, or a sensitive offence, needs a supervisor to approve the assessment.',
  },
  rejectionCloses: {
    kind: 'choice',
    check: ({ event }) => ev<'REJECT_RISK'>(event).decision === 'close',
    explain: () => 'The supervisor decided to close the case.',
  },
  rejectionRestricts: {
    kind: 'choice',
    check: ({ event }) => ev<'REJECT_RISK'>(event).decision === 'indirect_only',
    explain: () => 'The supervisor decided the case may go on with indirect contact only.',
  },
  closureRequestedWhilePaused: {
    kind: 'choice',
    check: ({ context }) => context.pause !== null,
    explain: () => 'The closure was asked for while the case was paused.',
  },

  // ---- rules that hold an event back ----
  approverIsNotAssessor: {
    check: ({ context, event }) => event.actor.id !== undefined && event.actor.id !== context.risk?.assessedBy,
    explain: ({ event }) =>
      event.actor.id === undefined
        ? 'Only a named supervisor who did not assess the risk can decide on it.'
        : 'You assessed this risk, so another supervisor must approve it.',
  },
  allocationIsTrained: {
    check: (args) => untrainedSpecialisms(args).length === 0,
    explain: (args) =>
      `This case involves ${words(specialismsNeeded(args.context.flags).map((s) => specialismWords[s]!))}, so at least one allocated facilitator must be trained for each; none of those chosen is trained for ${words(untrainedSpecialisms(args).map((s) => specialismWords[s]!))}. If no trained facilitator is available, decline the referral with no_trained_facilitator.`,
  },
  processAllowedByRisk: {
    check: ({ context, event }) =>
      !directProcesses.includes(ev<'CHOOSE_PROCESS'>(event).process) || context.risk?.directContactAllowed === true,
    explain: () => 'The risk decision allows indirect contact only: choose a shuttle or letter exchange.',
  },
  directContactAllowed: {
    check: ({ context }) => context.risk?.directContactAllowed === true,
    explain: () => 'The risk decision allows indirect contact only, so a conference cannot be scheduled.',
  },
  conferenceChosen: {
    check: ({ context }) => context.process === 'conference',
    explain: ({ context }) =>
      `A conference must be chosen as the process before one can be scheduled (${context.process ? `the process chosen is a ${context.process} exchange` : 'no process is chosen yet'}).`,
  },
  indirectProcessChosen: {
    check: ({ context }) => context.process === 'shuttle' || context.process === 'letter',
    explain: ({ context }) =>
      `A shuttle or letter exchange must be chosen as the process before the exchange can start (${context.process ? 'a conference is chosen' : 'no process is chosen yet'}).`,
  },
  bothPartiesPrepared: {
    check: ({ context }) => context.prepared.victim && context.prepared.offender,
    explain: ({ context, event }) => {
      const missing = (['victim', 'offender'] as const).filter((p) => !context.prepared[p]);
      const step = event.type === 'SCHEDULE_CONFERENCE' ? 'a conference can be scheduled' : 'the exchange can start';
      const which = missing.length === 1 ? `the ${partyName[missing[0]!]}'s preparation is not recorded` : "neither party's preparation is recorded";
      return `Both parties must be prepared before ${step} (${which}).`;
    },
  },
  hasIndirectExchanges: {
    check: ({ context }) => context.exchanges > 0,
    explain: () => 'Record at least one exchange before completing the indirect process.',
  },
  closureReasonFitsStage: {
    check: ({ context, event }) => closureReasonProblem(context, ev<'REQUEST_CLOSURE'>(event).reason) === null,
    explain: ({ context, event }) => closureReasonProblem(context, ev<'REQUEST_CLOSURE'>(event).reason) ?? 'This closure reason fits the case.',
  },
  closureSignedOffIndependently: {
    check: ({ context, event }) =>
      event.actor.id !== undefined && event.actor.id !== context.closure?.requestedBy.id && !context.facilitatorIds.includes(event.actor.id),
    explain: ({ context, event }) =>
      event.actor.id !== undefined && context.facilitatorIds.includes(event.actor.id)
        ? 'You are a facilitator on this case, so another supervisor must sign off its closure.'
        : 'You asked for this closure, so another supervisor must sign it off.',
  },
  closureIsReturnable: {
    check: ({ context }) => context.closure !== null && !context.closure.reason.endsWith('_withdrew'),
    explain: () => 'A party withdrew their consent, so the case cannot be returned: a withdrawal stands.',
  },
  noPartyWithdrew: {
    check: ({ context }) => !context.victim.withdrawn && !context.offender.withdrawn,
    explain: ({ context }) =>
      `The ${context.victim.withdrawn ? 'victim' : 'offender'} has withdrawn their consent, so the case cannot be returned.`,
  },
  partyActsForThemselves: {
    check: ({ event }) => event.actor.kind !== 'party' || event.actor.role === ev<'WITHDRAW'>(event).party,
    explain: () => 'A party can withdraw only their own consent.',
  },
  partyHasNotWithdrawn: {
    check: ({ context, event }) => !context[ev<'WITHDRAW'>(event).party].withdrawn,
    explain: ({ event }) => `The ${ev<'WITHDRAW'>(event).party} has already withdrawn.`,
  },

  // ---- the event's own values, checked against the case: a 422 on the field ----
  victimInformed: {
    kind: 'field',
    field: ({ event }) => (event.actor.kind === 'party' ? 'informationVersion' : 'informationGiven'),
    check: ({ context, event }) => {
      const e = ev<'VICTIM_RESPONDED'>(event);
      return event.actor.kind === 'party' ? e.informationVersion !== undefined : context.victim.invited || e.informationGiven !== undefined;
    },
    explain: ({ event }) =>
      event.actor.kind === 'party'
        ? 'The answer must record which version of the information about restorative justice the victim was shown.'
        : 'The victim has not been sent the invitation, so record which information about restorative justice they were given and how (informationGiven: its version, and phone, in_person or letter).',
  },
  startsInFuture: {
    kind: 'field',
    field: () => 'startsAt',
    check: ({ event }) => Date.parse(ev<'SCHEDULE_CONFERENCE'>(event).startsAt) > Date.parse(event.at),
    explain: ({ event }) =>
      `The conference must start in the future: give a date and time after ${ukTime(event.at)}.`,
  },
  meetingHasTakenPlace: {
    kind: 'field',
    field: () => 'heldAt',
    check: (args) => Date.parse(meetingTime(args)) <= Date.parse(args.event.at),
    explain: (args) =>
      ev<'RECORD_OUTCOME'>(args.event).heldAt
        ? 'The time the conference took place cannot be in the future.'
        : `The conference is planned for ${ukTime(args.context.conference?.startsAt ?? args.event.at)}, which has not come yet. If it took place earlier, give the time it took place.`,
  },
  itemsDueAfterMeeting: {
    kind: 'field',
    field: (args) => `agreement.${itemDueBeforeMeeting(args)}.dueDate`,
    check: (args) => itemDueBeforeMeeting(args) === -1,
    explain: (args) =>
      `An agreement item cannot be due before the meeting: give a due date (YYYY-MM-DD) on or after ${dayOf(meetingTime(args))}.`,
  },
  itemIsPending: {
    kind: 'field',
    field: () => 'itemId',
    check: (args) => itemOf(args)?.status === 'pending',
    explain: (args) => {
      const item = itemOf(args);
      const { itemId } = ev<'COMPLETE_AGREEMENT_ITEM'>(args.event);
      return item ? `Agreement item ${itemId} is already marked ${item.status}.` : `There is no agreement item ${itemId} on this case.`;
    },
  },
  taskIsOpen: {
    kind: 'field',
    field: () => 'taskId',
    check: ({ event }) => event.facts?.openTaskIds.includes(ev<'RESOLVE_TASK'>(event).taskId) === true,
    explain: ({ event }) => `There is no open task ${ev<'RESOLVE_TASK'>(event).taskId} on this case.`,
  },
} satisfies Record<string, Rule<CaseContextV2>>;

const victimResponse = [
  { guard: and(['victimSaidYes', 'victimInformed']), target: 'consented', actions: 'victimResponded' },
  { guard: 'victimSaidNo', target: '#case.closing', actions: ['victimResponded', 'proposeClosure'] },
  { guard: 'victimSaidNotNow', target: 'notNow', actions: 'victimResponded' },
  { guard: 'victimWantsMoreInfo', target: 'moreInfo', actions: 'victimResponded' },
] as const;

const offenderResponse = [
  { guard: 'responsibilityAcknowledged', target: 'consented', actions: 'offenderResponded' },
  { guard: 'offenderDeclined', target: '#case.closing', actions: ['offenderResponded', 'proposeClosure'] },
  { guard: 'offenderDeniesResponsibility', target: '#case.closing', actions: ['offenderResponded', 'proposeClosure'] },
  { guard: 'offenderUnreachable', target: 'unreachable', actions: 'offenderResponded' },
] as const;

const closureReturned: { type: 'notify'; params: NotifyParams } = {
  type: 'notify',
  params: { template: 'approval_decision', to: ['facilitators'], data: { kind: 'closure', approved: false } },
};

const withdrawal = { guard: and(['partyActsForThemselves', 'partyHasNotWithdrawn']), target: '#case.closing', actions: ['withdraw', 'proposeClosure'] } as const;
const reassign = { guard: 'allocationIsTrained', actions: 'reassign' } as const;
const resolveTask = { guard: 'taskIsOpen', actions: 'resolveTask' } as const;
const reviseRisk = { target: '#case.open.riskAssessment', actions: 'reviseRisk' } as const;

/** The closure a party's answer or a staff request proposes; a supervisor signs it off. */
function proposedClosureReason(event: CaseEvent): ClosureReason {
  switch (event.type) {
    case 'REQUEST_CLOSURE':
      return event.reason;
    case 'WITHDRAW':
      return event.party === 'victim' ? 'victim_withdrew' : 'offender_withdrew';
    case 'VICTIM_RESPONDED':
      return 'victim_declined';
    case 'RECORD_OFFENDER_RESPONSE':
      return event.response === 'declined' ? 'offender_declined' : 'offender_denies_responsibility';
    default:
      throw new Error(`no closure is proposed by ${event.type}`);
  }
}

export const caseMachineV2 = setup({
  types: {
    context: {} as CaseContextV2,
    events: {} as CaseEvent,
    input: {} as CaseInput,
  },
  actions: {
    // Effects are committed as data by the engine and never run inside the machine.
    notify: (_: unknown, _params: NotifyParams) => undefined,
    schedule: (_: unknown, _params: ScheduleParams) => undefined,
    cancelTimers: (_: unknown, _params: CancelTimersParams) => undefined,
    stopContact: (_: unknown, _params: StopContactParams) => undefined,
    resolveTasks: (_: unknown, _params: ResolveTasksParams) => undefined,

    allocate: enqueueActions(({ enqueue, event }) => {
      enqueue.assign({ facilitatorIds: ev<'ACCEPT_REFERRAL'>(event).facilitatorIds });
      enqueue({ type: 'notify', params: { template: 'allocation', to: ['facilitators'] } });
    }),
    inviteVictim: enqueueActions(({ enqueue }) => {
      enqueue.assign({ victim: ({ context }) => ({ ...context.victim, invited: true }) });
      enqueue({ type: 'notify', params: { template: 'victim_invitation', to: ['victim'] } });
      enqueue({
        type: 'schedule',
        params: {
          timers: [
            { key: 'invitationReminder', event: { type: 'INVITATION_REMINDER_DUE' }, delay: 'invitationReminder' },
            { key: 'invitationExpiry', event: { type: 'INVITATION_EXPIRED' }, delay: 'invitationExpiry' },
          ],
        },
      });
    }),
    victimResponded: enqueueActions(({ enqueue, event }) => {
      const { response, preferredProcess, accessNeeds, reofferAfter } = ev<'VICTIM_RESPONDED'>(event);
      enqueue({ type: 'cancelTimers', params: { keys: [...invitationTimers, 'reoffer'] } });
      enqueue({ type: 'notify', params: { template: 'party_responded', to: ['facilitators'], data: { party: 'victim', response } } });
      if (response === 'yes') {
        enqueue.assign({
          victim: ({ context }) => ({ ...context.victim, preferredProcess: preferredProcess ?? null, accessNeeds: accessNeeds ?? null }),
        });
      }
      if (response !== 'no') enqueue({ type: 'notify', params: { template: 'thank_you', to: ['victim'], data: { response } } });
      if (response === 'not_now') {
        enqueue.assign({ victim: ({ context }) => ({ ...context.victim, reofferAfter: reofferAfter ?? null }) });
        const timer = reofferAfter ? { at: reofferAfter } : { delay: 'reofferDefault' as const };
        enqueue({ type: 'schedule', params: { timers: [{ key: 'reoffer', event: { type: 'REOFFER_DUE' }, ...timer }] } });
      }
    }),
    offenderResponded: enqueueActions(({ enqueue, event }) => {
      const { response } = ev<'RECORD_OFFENDER_RESPONSE'>(event);
      enqueue({ type: 'notify', params: { template: 'party_responded', to: ['facilitators'], data: { party: 'offender', response } } });
    }),
    proposeClosure: enqueueActions(({ enqueue, context, event }) => {
      const reason = proposedClosureReason(event);
      const note = 'note' in event && typeof event.note === 'string' ? event.note : null;
      enqueue.assign({ closure: { reason, requestedBy: event.actor, fromStage: context.stage, note } });
      enqueue({ type: 'notify', params: { template: 'approval_requested', to: ['supervisors'], data: { kind: 'closure', reason } } });
    }),
    withdraw: enqueueActions(({ enqueue, context, event }) => {
      const { party } = ev<'WITHDRAW'>(event);
      enqueue.assign({ [party]: { ...context[party], withdrawn: true } });
      enqueue({ type: 'notify', params: { template: 'withdrawal_confirmation', to: [party] } });
      enqueue({ type: 'stopContact', params: { party } });
      if (party === 'victim') enqueue({ type: 'cancelTimers', params: { keys: [...invitationTimers, 'reoffer'] } });
      enqueue({ type: 'notify', params: { template: 'party_responded', to: ['facilitators'], data: { party, response: 'withdrew' } } });
    }),
    reassign: enqueueActions(({ enqueue, event }) => {
      enqueue.assign({ facilitatorIds: ev<'REASSIGN'>(event).facilitatorIds });
      enqueue({ type: 'notify', params: { template: 'allocation', to: ['facilitators'] } });
    }),
    resolveTask: enqueueActions(({ enqueue, event }) => {
      const { taskId, note } = ev<'RESOLVE_TASK'>(event);
      enqueue({ type: 'resolveTasks', params: { taskIds: [taskId], note } });
    }),
    countNote: assign({ notes: ({ context }) => context.notes + 1 }),
    recordRisk: assign({
      risk: ({ event }) => {
        const { level, directContactAllowed } = ev<'SUBMIT_RISK_ASSESSMENT'>(event);
        return { level, directContactAllowed, assessedBy: event.actor.id ?? '', approvedBy: null };
      },
    }),
    notifyRiskDecision: enqueueActions(({ enqueue, event }) => {
      const approved = event.type === 'APPROVE_RISK';
      const decision = approved ? 'approved' : ev<'REJECT_RISK'>(event).decision;
      enqueue({ type: 'notify', params: { template: 'approval_decision', to: ['facilitators'], data: { kind: 'risk', approved, decision } } });
    }),
    reviseRisk: enqueueActions(({ enqueue, context }) => {
      if (context.conference) {
        enqueue({ type: 'notify', params: { template: 'conference_cancelled', to: [...parties, 'facilitators'] } });
      }
      enqueue.assign({ risk: null, conference: null });
    }),
    setConference: assign({
      conference: ({ context, event }) => {
        const { startsAt, venue } = ev<'SCHEDULE_CONFERENCE'>(event);
        return { startsAt, venue: venue ?? context.conference?.venue ?? '' };
      },
    }),
    recordOutcome: enqueueActions(({ enqueue, context, event }) => {
      const outcome = ev<'RECORD_OUTCOME'>(event);
      // Ids go on from those issued before, so an agreement recorded after a revised risk never reuses one.
      const items = outcome.agreement.map((item, i) => ({ id: `item-${context.itemsIssued + i + 1}`, ...item, status: 'pending' as const, overdue: false }));
      enqueue.assign({
        meetingHeld: true,
        heldAt: outcome.heldAt ?? context.conference?.startsAt ?? event.at,
        agreement: [...context.agreement, ...items],
        itemsIssued: context.itemsIssued + items.length,
      });
      enqueue({
        type: 'schedule',
        params: { timers: items.map((item) => ({ key: item.id, event: { type: 'AGREEMENT_ITEM_DUE' as const, itemId: item.id }, at: item.dueDate })) },
      });
      enqueue({ type: 'notify', params: { template: 'feedback_request', to: ['victim', 'offender'] } });
    }),
    resolveItem: enqueueActions(({ enqueue, context, event }) => {
      const { itemId } = ev<'COMPLETE_AGREEMENT_ITEM'>(event);
      const status = event.type === 'COMPLETE_AGREEMENT_ITEM' ? 'completed' : 'missed';
      enqueue.assign({ agreement: context.agreement.map((i) => (i.id === itemId ? { ...i, status } : i)) });
      enqueue({ type: 'cancelTimers', params: { keys: [itemId] } });
      enqueue({ type: 'notify', params: { template: `agreement_item_${status}`, to: ['victim'], data: { itemId } } });
    }),
  },
  guards: guardsOf(rulesV2),
}).createMachine({
  id: 'case',
  context: ({ input }) => initialContextV2(input),
  initial: 'referral',
  states: {
    referral: {
      on: {
        ACCEPT_REFERRAL: { guard: 'allocationIsTrained', target: 'open', actions: 'allocate' },
        DECLINE_REFERRAL: {
          target: 'closed',
          actions: assign({ closureReason: ({ event }) => ev<'DECLINE_REFERRAL'>(event).reason }),
        },
        ADD_NOTE: { actions: 'countNote' },
      },
    },

    open: {
      initial: 'consent',
      on: {
        PAUSE: {
          target: 'paused',
          actions: [
            assign({
              pause: ({ event }) => ({ reason: ev<'PAUSE'>(event).reason, until: ev<'PAUSE'>(event).until ?? null }),
            }),
            {
              type: 'schedule',
              params: ({ event }: Args) => {
                const { until } = ev<'PAUSE'>(event);
                return { timers: until ? [{ key: 'pauseEnds', event: { type: 'RESUME' }, at: until, whilePaused: true }] : [] };
              },
            },
          ],
        },
        WITHDRAW: withdrawal,
        REQUEST_CLOSURE: { guard: 'closureReasonFitsStage', target: 'closing', actions: 'proposeClosure' },
        REASSIGN: reassign,
        RESOLVE_TASK: resolveTask,
        ADD_NOTE: { actions: 'countNote' },
      },
      states: {
        consent: {
          type: 'parallel',
          entry: assign({ stage: 'consent' }),
          onDone: 'riskAssessment',
          states: {
            victim: {
              initial: 'notContacted',
              states: {
                notContacted: { on: { INVITE_VICTIM: { target: 'invited', actions: 'inviteVictim' }, VICTIM_RESPONDED: victimResponse } },
                invited: {
                  on: {
                    VICTIM_RESPONDED: victimResponse,
                    INVITATION_REMINDER_DUE: {
                      actions: { type: 'notify', params: { template: 'invitation_reminder', to: ['victim'] } },
                    },
                    INVITATION_EXPIRED: {
                      target: 'noResponse',
                      actions: {
                        type: 'notify',
                        params: { template: 'party_responded', to: ['facilitators'], data: { party: 'victim', response: 'no_response' } },
                      },
                    },
                  },
                },
                moreInfo: { on: { INVITE_VICTIM: { target: 'invited', actions: 'inviteVictim' }, VICTIM_RESPONDED: victimResponse } },
                notNow: {
                  on: {
                    VICTIM_RESPONDED: victimResponse,
                    REOFFER_DUE: {
                      target: 'notContacted',
                      actions: { type: 'notify', params: { template: 'reoffer_due', to: ['facilitators'] } },
                    },
                  },
                },
                noResponse: { on: { INVITE_VICTIM: { target: 'invited', actions: 'inviteVictim' }, VICTIM_RESPONDED: victimResponse } },
                consented: { type: 'final' },
              },
            },
            offender: {
              initial: 'notContacted',
              states: {
                notContacted: { on: { RECORD_OFFENDER_RESPONSE: offenderResponse } },
                unreachable: { on: { RECORD_OFFENDER_RESPONSE: offenderResponse } },
                consented: { type: 'final' },
              },
            },
          },
        },

        riskAssessment: {
          entry: assign({ stage: 'riskAssessment' }),
          initial: 'assessing',
          states: {
            assessing: {
              on: {
                SUBMIT_RISK_ASSESSMENT: [
                  {
                    guard: 'needsSupervisorApproval',
                    target: 'awaitingApproval',
                    actions: [
                      'recordRisk',
                      { type: 'notify', params: { template: 'approval_requested', to: ['supervisors'], data: { kind: 'risk' } } },
                    ],
                  },
                  { target: '#case.open.preparation', actions: 'recordRisk' },
                ],
              },
            },
            awaitingApproval: {
              on: {
                // A risk that changes while it waits for approval is assessed again; the approval asked for lapses.
                REVISE_RISK: { target: 'assessing', actions: 'reviseRisk' },
                APPROVE_RISK: {
                  guard: 'approverIsNotAssessor',
                  target: '#case.open.preparation',
                  actions: [
                    assign({ risk: ({ context, event }) => ({ ...context.risk!, approvedBy: event.actor.id ?? null }) }),
                    'notifyRiskDecision',
                  ],
                },
                REJECT_RISK: [
                  {
                    guard: and(['approverIsNotAssessor', 'rejectionCloses']),
                    target: '#case.closed',
                    actions: [assign({ closureReason: 'risk_too_high' }), 'notifyRiskDecision'],
                  },
                  {
                    guard: and(['approverIsNotAssessor', 'rejectionRestricts']),
                    target: '#case.open.preparation',
                    actions: [
                      assign({
                        risk: ({ context, event }) => ({
                          ...context.risk!,
                          directContactAllowed: false,
                          approvedBy: event.actor.id ?? null,
                        }),
                        process: ({ context }) => (context.process === 'conference' ? null : context.process),
                      }),
                      'notifyRiskDecision',
                    ],
                  },
                ],
              },
            },
          },
        },

        preparation: {
          entry: assign({ stage: 'preparation' }),
          on: {
            REVISE_RISK: reviseRisk,
            RECORD_PREPARATION: {
              actions: assign({
                prepared: ({ context, event }) => ({ ...context.prepared, [ev<'RECORD_PREPARATION'>(event).party]: true }),
              }),
            },
            ADD_SUPPORTER: {
              actions: assign({
                supporters: ({ context, event }) => {
                  const { party, name, email } = ev<'ADD_SUPPORTER'>(event);
                  return [...context.supporters, { id: `s${context.supporters.length + 1}`, party, name, ...(email ? { email } : {}) }];
                },
              }),
            },
            CHOOSE_PROCESS: {
              guard: 'processAllowedByRisk',
              actions: assign({ process: ({ event }) => ev<'CHOOSE_PROCESS'>(event).process }),
            },
            SCHEDULE_CONFERENCE: {
              guard: and(['conferenceChosen', 'directContactAllowed', 'bothPartiesPrepared', 'startsInFuture']),
              target: 'conference.scheduled',
              actions: ['setConference', { type: 'notify', params: ({ event }: Args) => conferenceNotice('conference_invitation', event) }],
            },
            START_INDIRECT_EXCHANGE: {
              guard: and(['indirectProcessChosen', 'bothPartiesPrepared']),
              target: 'conference.indirect',
            },
          },
        },

        conference: {
          // Entered only through its substates: scheduled (direct) or indirect.
          initial: 'scheduled',
          entry: assign({ stage: 'conference' }),
          on: { REVISE_RISK: reviseRisk },
          states: {
            scheduled: {
              on: {
                RESCHEDULE_CONFERENCE: {
                  guard: 'startsInFuture',
                  actions: ['setConference', { type: 'notify', params: ({ event }: Args) => conferenceNotice('conference_rescheduled', event) }],
                },
                CANCEL_CONFERENCE: {
                  target: '#case.open.preparation',
                  actions: [
                    assign({ conference: null }),
                    { type: 'notify', params: { template: 'conference_cancelled', to: [...parties, 'facilitators'] } },
                  ],
                },
                RECORD_OUTCOME: {
                  guard: and(['meetingHasTakenPlace', 'itemsDueAfterMeeting']),
                  target: '#case.open.followUp',
                  actions: 'recordOutcome',
                },
              },
            },
            indirect: {
              on: {
                RECORD_INDIRECT_EXCHANGE: { actions: assign({ exchanges: ({ context }) => context.exchanges + 1 }) },
                COMPLETE_INDIRECT: {
                  guard: 'hasIndirectExchanges',
                  target: '#case.open.followUp',
                  actions: [
                    assign({ meetingHeld: true, heldAt: ({ event }) => event.at }),
                    { type: 'notify', params: { template: 'feedback_request', to: ['victim', 'offender'] } },
                  ],
                },
              },
            },
          },
        },

        followUp: {
          entry: assign({ stage: 'followUp' }),
          on: {
            REVISE_RISK: reviseRisk,
            COMPLETE_AGREEMENT_ITEM: { guard: 'itemIsPending', actions: 'resolveItem' },
            MISS_AGREEMENT_ITEM: { guard: 'itemIsPending', actions: 'resolveItem' },
            AGREEMENT_ITEM_DUE: {
              guard: 'itemIsPending',
              actions: [
                assign({
                  agreement: ({ context, event }) =>
                    context.agreement.map((i) => (i.id === ev<'AGREEMENT_ITEM_DUE'>(event).itemId ? { ...i, overdue: true } : i)),
                }),
                {
                  type: 'notify',
                  params: ({ event }: Args) => ({
                    template: 'item_overdue',
                    to: ['facilitators'],
                    data: { itemId: ev<'AGREEMENT_ITEM_DUE'>(event).itemId },
                  }),
                },
              ],
            },
          },
        },

        hist: { type: 'history', history: 'deep' },
      },
    },

    paused: {
      on: {
        RESUME: {
          target: 'open.hist',
          actions: [assign({ pause: null }), { type: 'cancelTimers', params: { keys: ['pauseEnds'] } }],
        },
        WITHDRAW: withdrawal,
        REQUEST_CLOSURE: { guard: 'closureReasonFitsStage', target: 'closing', actions: 'proposeClosure' },
        REASSIGN: reassign,
        RESOLVE_TASK: resolveTask,
        ADD_NOTE: { actions: 'countNote' },
      },
    },

    closing: {
      on: {
        // Consent can be withdrawn at any time, also while a closure awaits sign-off; the proposed closure stands.
        WITHDRAW: { guard: and(['partyActsForThemselves', 'partyHasNotWithdrawn']), actions: 'withdraw' },
        APPROVE_CLOSURE: { guard: 'closureSignedOffIndependently', target: 'closed' },
        // A returned case goes back to where the closure was asked for (paused, or open's exact substates);
        // not after a withdrawal, which stands.
        RETURN_CASE: [
          {
            guard: and(['closureRequestedWhilePaused', 'closureIsReturnable', 'noPartyWithdrew']),
            target: 'paused',
            actions: [assign({ closure: null }), closureReturned],
          },
          {
            guard: and(['closureIsReturnable', 'noPartyWithdrew']),
            target: 'open.hist',
            actions: [assign({ closure: null }), closureReturned],
          },
        ],
        REASSIGN: reassign,
        RESOLVE_TASK: resolveTask,
        ADD_NOTE: { actions: 'countNote' },
      },
    },

    closed: {
      type: 'final',
      entry: [
        assign({ stage: 'closed', closureReason: ({ context }) => context.closureReason ?? context.closure?.reason ?? null }),
        { type: 'cancelTimers', params: { keys: ['*'] } },
        { type: 'resolveTasks', params: { taskIds: ['*'], note: 'The case was closed with this task still open.' } },
        {
          type: 'notify',
          params: ({ context }: Args) => ({
            template: 'feedback_request',
            to: context.meetingHeld ? (['victim', 'offender'] as Recipient[]) : [],
            data: { atClosure: true },
          }),
        },
      ],
    },
  },
});

function conferenceNotice(template: string, event: CaseEvent): NotifyParams {
  const { startsAt, venue } = ev<'SCHEDULE_CONFERENCE'>(event);
  return { template, to: [...parties, 'facilitators'], data: { startsAt, ...(venue ? { venue } : {}) } };
}
