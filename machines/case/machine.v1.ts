import { and, assign, enqueueActions, setup } from 'xstate';
import { completedReasons, type ClosureReason } from './closureReasons.js';
import { initialContext, isSensitive, type CaseContext, type CaseInput, type Stage } from './context.js';
import type { CancelTimersParams, NotifyParams, Recipient, ScheduleParams, StopContactParams } from './effects.js';
import { directProcesses, type CaseEvent, type EventOf, type EventType } from './events.js';

type Args = { context: CaseContext; event: CaseEvent };
const ev = <T extends EventType>(event: CaseEvent) => event as EventOf<T>;

const invitationTimers = ['invitationReminder', 'invitationExpiry'];
const parties: Recipient[] = ['victim', 'offender', 'supporters'];
const hasOpenItems = (c: CaseContext) => c.agreement.some((i) => i.status === 'pending');

/** Which closure reasons make sense where: completion codes only once the process has run. */
function closureReasonFits(context: CaseContext, reason: ClosureReason): boolean {
  if (!completedReasons.includes(reason)) return true;
  if (context.stage !== 'followUp' || hasOpenItems(context)) return false;
  const items = context.agreement;
  switch (reason) {
    case 'completed_direct':
      return context.process === 'conference';
    case 'completed_indirect':
      return context.process !== 'conference';
    case 'agreement_fulfilled':
      return items.length > 0 && items.every((i) => i.status === 'completed');
    default:
      return items.some((i) => i.status === 'missed');
  }
}

const victimResponse = [
  { guard: 'victimSaidYes', target: 'consented', actions: 'victimResponded' },
  { guard: 'victimSaidNo', target: '#case.closing', actions: ['victimResponded', 'proposeClosure'] },
  { guard: 'victimSaidNotNow', target: 'notNow', actions: 'victimResponded' },
  { target: 'moreInfo', actions: 'victimResponded' },
] as const;

const offenderResponse = [
  { guard: 'responsibilityAcknowledged', target: 'consented', actions: 'offenderResponded' },
  { guard: 'offenderDeclined', target: '#case.closing', actions: ['offenderResponded', 'proposeClosure'] },
  {
    guard: 'offenderDeniesResponsibility',
    target: '#case.closing',
    actions: ['offenderResponded', 'proposeClosure'],
  },
  { target: 'unreachable', actions: 'offenderResponded' },
] as const;

const closureReturned: { type: 'notify'; params: NotifyParams } = {
  type: 'notify',
  params: { template: 'approval_decision', to: ['facilitators'], data: { kind: 'closure', approved: false } },
};

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

export const caseMachineV1 = setup({
  types: {
    context: {} as CaseContext,
    events: {} as CaseEvent,
    input: {} as CaseInput,
  },
  actions: {
    // Effects are committed as data by the engine and never run inside the machine.
    notify: (_: unknown, _params: NotifyParams) => undefined,
    schedule: (_: unknown, _params: ScheduleParams) => undefined,
    cancelTimers: (_: unknown, _params: CancelTimersParams) => undefined,
    stopContact: (_: unknown, _params: StopContactParams) => undefined,

    inviteVictim: enqueueActions(({ enqueue }) => {
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
    resolveItem: enqueueActions(({ enqueue, context, event }) => {
      const { itemId } = ev<'COMPLETE_AGREEMENT_ITEM'>(event);
      const status = event.type === 'COMPLETE_AGREEMENT_ITEM' ? 'completed' : 'missed';
      enqueue.assign({ agreement: context.agreement.map((i) => (i.id === itemId ? { ...i, status } : i)) });
      enqueue({ type: 'cancelTimers', params: { keys: [itemId] } });
      enqueue({ type: 'notify', params: { template: `agreement_item_${status}`, to: ['victim'], data: { itemId } } });
    }),
  },
  guards: {
    responsibilityAcknowledged: ({ event }: Args) => ev<'RECORD_OFFENDER_RESPONSE'>(event).response === 'willing',
    offenderDeclined: ({ event }: Args) => ev<'RECORD_OFFENDER_RESPONSE'>(event).response === 'declined',
    offenderDeniesResponsibility: ({ event }: Args) =>
      ev<'RECORD_OFFENDER_RESPONSE'>(event).response === 'denies_responsibility',
    victimSaidYes: ({ event }: Args) => ev<'VICTIM_RESPONDED'>(event).response === 'yes',
    victimSaidNo: ({ event }: Args) => ev<'VICTIM_RESPONDED'>(event).response === 'no',
    victimSaidNotNow: ({ event }: Args) => ev<'VICTIM_RESPONDED'>(event).response === 'not_now',
    needsSupervisorApproval: ({ context, event }: Args) =>
      ev<'SUBMIT_RISK_ASSESSMENT'>(event).level === 'high' || isSensitive(context.flags),
    approverIsNotAssessor: ({ context, event }: Args) =>
      event.actor.id !== undefined && event.actor.id !== context.risk?.assessedBy,
    rejectionCloses: ({ event }: Args) => ev<'REJECT_RISK'>(event).decision === 'close',
    processAllowedByRisk: ({ context, event }: Args) =>
      !directProcesses.includes(ev<'CHOOSE_PROCESS'>(event).process) || context.risk?.directContactAllowed === true,
    directContactAllowed: ({ context }: Args) => context.risk?.directContactAllowed === true,
    conferenceChosen: ({ context }: Args) => context.process === 'conference',
    indirectProcessChosen: ({ context }: Args) => context.process === 'shuttle' || context.process === 'letter',
    bothPartiesPrepared: ({ context }: Args) => context.prepared.victim && context.prepared.offender,
    hasIndirectExchanges: ({ context }: Args) => context.exchanges > 0,
    itemIsPending: ({ context, event }: Args) => {
      const { itemId } = ev<'COMPLETE_AGREEMENT_ITEM'>(event);
      return context.agreement.some((i) => i.id === itemId && i.status === 'pending');
    },
    closureReasonFitsStage: ({ context, event }: Args) =>
      closureReasonFits(context, ev<'REQUEST_CLOSURE'>(event).reason),
    closureSignedOffIndependently: ({ context, event }: Args) =>
      event.actor.id !== undefined &&
      event.actor.id !== context.closure?.requestedBy.id &&
      !context.facilitatorIds.includes(event.actor.id),
    closureWasStaffDecision: ({ context }: Args) =>
      context.closure !== null && !context.closure.reason.endsWith('_withdrew') && context.closure.requestedBy.kind === 'user',
    noPartyWithdrew: ({ context }: Args) => !context.victim.withdrawn && !context.offender.withdrawn,
    closureRequestedWhilePaused: ({ context }: Args) => context.pause !== null,
    partyActsForThemselves: ({ context, event }: Args) => {
      const { party } = ev<'WITHDRAW'>(event);
      const selfOrStaff = event.actor.kind !== 'party' || event.actor.role === party;
      return selfOrStaff && !context[party].withdrawn;
    },
  },
}).createMachine({
  id: 'case',
  context: ({ input }) => initialContext(input),
  initial: 'referral',
  states: {
    referral: {
      on: {
        ACCEPT_REFERRAL: {
          target: 'open',
          actions: [
            assign({ facilitatorIds: ({ event }) => ev<'ACCEPT_REFERRAL'>(event).facilitatorIds }),
            { type: 'notify', params: { template: 'allocation', to: ['facilitators'] } },
          ],
        },
        DECLINE_REFERRAL: {
          target: 'closed',
          actions: assign({ closureReason: ({ event }) => ev<'DECLINE_REFERRAL'>(event).reason }),
        },
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
        WITHDRAW: { guard: 'partyActsForThemselves', target: 'closing', actions: ['withdraw', 'proposeClosure'] },
        REQUEST_CLOSURE: { guard: 'closureReasonFitsStage', target: 'closing', actions: 'proposeClosure' },
        REASSIGN: { actions: 'reassign' },
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
                    guard: 'approverIsNotAssessor',
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
            REVISE_RISK: { target: 'riskAssessment', actions: 'reviseRisk' },
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
              guard: and(['conferenceChosen', 'directContactAllowed', 'bothPartiesPrepared']),
              target: 'conference.scheduled',
              actions: [
                'setConference',
                { type: 'notify', params: ({ event }: Args) => conferenceNotice('conference_invitation', event) },
              ],
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
          on: { REVISE_RISK: { target: 'riskAssessment', actions: 'reviseRisk' } },
          states: {
            scheduled: {
              on: {
                RESCHEDULE_CONFERENCE: {
                  actions: [
                    'setConference',
                    { type: 'notify', params: ({ event }: Args) => conferenceNotice('conference_rescheduled', event) },
                  ],
                },
                CANCEL_CONFERENCE: {
                  target: '#case.open.preparation',
                  actions: [
                    assign({ conference: null }),
                    { type: 'notify', params: { template: 'conference_cancelled', to: [...parties, 'facilitators'] } },
                  ],
                },
                RECORD_OUTCOME: {
                  target: '#case.open.followUp',
                  actions: [
                    assign({
                      meetingHeld: true,
                      agreement: ({ event }) =>
                        ev<'RECORD_OUTCOME'>(event).agreement.map((item, i) => ({
                          id: `item-${i + 1}`,
                          ...item,
                          status: 'pending' as const,
                          overdue: false,
                        })),
                    }),
                    {
                      type: 'schedule',
                      params: ({ event }: Args) => ({
                        timers: ev<'RECORD_OUTCOME'>(event).agreement.map((item, i) => ({
                          key: `item-${i + 1}`,
                          event: { type: 'AGREEMENT_ITEM_DUE' as const, itemId: `item-${i + 1}` },
                          at: item.dueDate,
                        })),
                      }),
                    },
                    { type: 'notify', params: { template: 'feedback_request', to: ['victim', 'offender'] } },
                  ],
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
                    assign({ meetingHeld: true }),
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
            REVISE_RISK: { target: 'riskAssessment', actions: 'reviseRisk' },
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
        WITHDRAW: { guard: 'partyActsForThemselves', target: 'closing', actions: ['withdraw', 'proposeClosure'] },
        REQUEST_CLOSURE: { guard: 'closureReasonFitsStage', target: 'closing', actions: 'proposeClosure' },
        REASSIGN: { actions: 'reassign' },
        ADD_NOTE: { actions: 'countNote' },
      },
    },

    closing: {
      on: {
        // Consent can be withdrawn at any time, also while a closure awaits sign-off; the proposed closure stands.
        WITHDRAW: { guard: 'partyActsForThemselves', actions: 'withdraw' },
        APPROVE_CLOSURE: { guard: 'closureSignedOffIndependently', target: 'closed' },
        // A returned case goes back to where the closure was asked for (paused, or open's exact substates);
        // not if a party withdrew meanwhile.
        RETURN_CASE: [
          {
            guard: and(['closureWasStaffDecision', 'noPartyWithdrew', 'closureRequestedWhilePaused']),
            target: 'paused',
            actions: [assign({ closure: null }), closureReturned],
          },
          {
            guard: and(['closureWasStaffDecision', 'noPartyWithdrew']),
            target: 'open.hist',
            actions: [assign({ closure: null }), closureReturned],
          },
        ],
        REASSIGN: { actions: 'reassign' },
        ADD_NOTE: { actions: 'countNote' },
      },
    },

    closed: {
      type: 'final',
      entry: [
        assign({ stage: 'closed', closureReason: ({ context }) => context.closureReason ?? context.closure?.reason ?? null }),
        { type: 'cancelTimers', params: { keys: ['*'] } },
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

export type { Stage };
