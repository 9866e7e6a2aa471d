import { and, enqueueActions, setup } from 'xstate';
import { consentChanges, withChanges, type Party, type Purpose } from './consent.js';
import type { CaseInput } from './context.js';
import { initialContextV3, type CaseContextV3 } from './context.v3.js';
import type { CorrectPartyParams, StopEmailParams } from './effects.js';
import { directProcesses, parties, type CaseEvent, type EventOf, type EventType } from './events.js';
import { caseMachineV2, rulesV2 } from './machine.v2.js';
import { guardsOf, type GuardArgs, type Rule } from './rules.js';
import { inWords } from './wording.js';

/**
 * Case machine v3: v2 (machine.v2.ts, kept as released) and what a party's
 * rights add. CORRECT_PARTY_DETAILS (a supervisor, in any state but closed)
 * corrects a party's contact details as data, and moves no state. RECORD_CONSENT
 * records consent per purpose (consent.ts), kept in the context: withdrawing
 * participation is a withdrawal, exactly as WITHDRAW; withdrawing email contact
 * stops email to the party (and so their invitation); withdrawing a direct
 * meeting rules out a conference. A victim's "yes", an offender who is willing
 * and a withdrawal record their consent to take part the same way.
 *
 * v3 is v2's own configuration and action implementations with these changes
 * applied, rather than a copy: what v3 changes is the list below, and v2's text
 * stays the one place its chart is written.
 */

type Args = GuardArgs<CaseContextV3>;
const ev = <T extends EventType>(event: CaseEvent) => event as EventOf<T>;

const listed = (event: CaseEvent, key: 'given' | 'withdrawn', purpose: Purpose) => ev<'RECORD_CONSENT'>(event)[key]?.includes(purpose) === true;
const withdrawnBy = (context: CaseContextV3, purpose: Purpose): Party[] => parties.filter((p) => context.consent[p][purpose] === 'withdrawn');

/** Every guard of this chart: v2's, and the rules consent adds. */
export const rulesV3 = {
  ...rulesV2,
  withdrawsParticipation: {
    kind: 'choice',
    check: ({ event }) => listed(event, 'withdrawn', 'participation'),
    explain: ({ event }) => `The ${ev<'RECORD_CONSENT'>(event).party} withdraws their consent to take part.`,
  },
  keepsParticipation: {
    kind: 'choice',
    check: ({ event }) => !listed(event, 'withdrawn', 'participation'),
    explain: () => 'The consent recorded leaves taking part as it was.',
  },
  withdrawalStands: {
    check: ({ context, event }) => !listed(event, 'given', 'participation') || !context[ev<'RECORD_CONSENT'>(event).party].withdrawn,
    explain: ({ event }) =>
      `The ${ev<'RECORD_CONSENT'>(event).party} has withdrawn from taking part, and a withdrawal stands: their consent to take part cannot be recorded again on this case.`,
  },
  directMeetingConsented: {
    check: ({ context, event }) =>
      (event.type === 'CHOOSE_PROCESS' && !directProcesses.includes(event.process)) || withdrawnBy(context, 'directMeeting').length === 0,
    explain: ({ context }) =>
      `The ${inWords(withdrawnBy(context, 'directMeeting'))} withdrew consent to a direct meeting, so a conference cannot be arranged: choose a shuttle or letter exchange, or record their consent to meet again.`,
  },
  victimMayBeEmailed: {
    check: ({ context }) => context.consent.victim.emailContact !== 'withdrawn',
    explain: () =>
      'The victim withdrew consent to email contact, so they cannot be invited by email: give them the information another way and record their answer.',
  },
} satisfies Record<string, Rule<CaseContextV3>>;

const v2 = caseMachineV2.config;
// v2's implementations, typed by v2's context; v3's context extends it, so each runs unchanged here.
type V2Action = keyof NonNullable<Parameters<typeof caseMachineV2.provide>[0]['actions']>;
const v2Actions = caseMachineV2.implementations.actions as Record<V2Action, never>;

// ---- the changes to v2's chart ----------------------------------------------------------

const correction = {
  actions: {
    type: 'correctParty',
    params: ({ event }: Args): CorrectPartyParams => {
      const { party, name, email, phone } = ev<'CORRECT_PARTY_DETAILS'>(event);
      return { party, name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
    },
  },
} as const;

/** Withdrawing participation is a withdrawal, with WITHDRAW's own target and actions; any other consent is recorded where the case is. */
const consentRecorded = (withdrawal: object) => [
  { ...withdrawal, guard: and(['withdrawsParticipation', 'partyHasNotWithdrawn']) },
  { guard: and(['keepsParticipation', 'withdrawalStands']), actions: 'recordConsent' },
];

type Node = { on?: object; states?: Record<string, Node> } & Record<string, unknown>;
const states = v2.states as unknown as Record<string, Node>;
const on = (node: Node, added: object): Node => ({ ...node, on: { ...node.on, ...added } });
const open = states.open!;
const { consent, preparation, conference } = open.states as Record<string, Node>;
const victimTrack = consent!.states!.victim!;
const guardedInvitation = (node: Node) => on(node, { INVITE_VICTIM: { ...(node.on as Record<string, object>).INVITE_VICTIM, guard: 'victimMayBeEmailed' } });
const prepared = preparation!.on as Record<string, { guard: unknown }>;
const scheduled = conference!.states!.scheduled!;

const chart = {
  ...v2,
  context: ({ input }: { input: CaseInput }) => initialContextV3(input),
  states: {
    ...states,
    referral: on(states.referral!, { CORRECT_PARTY_DETAILS: correction }),
    open: {
      ...on(open, { CORRECT_PARTY_DETAILS: correction, RECORD_CONSENT: consentRecorded((open.on as Record<string, object>).WITHDRAW!) }),
      states: {
        ...open.states,
        consent: {
          ...consent,
          states: {
            ...consent!.states,
            victim: {
              ...victimTrack,
              states: {
                ...victimTrack.states,
                notContacted: guardedInvitation(victimTrack.states!.notContacted!),
                moreInfo: guardedInvitation(victimTrack.states!.moreInfo!),
                noResponse: guardedInvitation(victimTrack.states!.noResponse!),
              },
            },
          },
        },
        preparation: on(preparation!, {
          CHOOSE_PROCESS: { ...prepared.CHOOSE_PROCESS, guard: and(['processAllowedByRisk', 'directMeetingConsented']) },
          SCHEDULE_CONFERENCE: {
            ...prepared.SCHEDULE_CONFERENCE,
            guard: and(['conferenceChosen', 'directContactAllowed', 'directMeetingConsented', 'bothPartiesPrepared', 'startsInFuture']),
          },
        }),
        conference: {
          ...conference,
          states: {
            ...conference!.states,
            scheduled: on(scheduled, {
              RESCHEDULE_CONFERENCE: { ...(scheduled.on as Record<string, object>).RESCHEDULE_CONFERENCE, guard: and(['directMeetingConsented', 'startsInFuture']) },
            }),
          },
        },
      },
    },
    paused: on(states.paused!, { CORRECT_PARTY_DETAILS: correction, RECORD_CONSENT: consentRecorded((states.paused!.on as Record<string, object>).WITHDRAW!) }),
    // While a closure waits, a withdrawal is recorded and the proposed closure stands, as for WITHDRAW.
    closing: on(states.closing!, { CORRECT_PARTY_DETAILS: correction, RECORD_CONSENT: consentRecorded({ actions: 'withdraw' }) }),
  },
};

const v3Setup = setup({
  types: {
    context: {} as CaseContextV3,
    events: {} as CaseEvent,
    input: {} as CaseInput,
  },
  actions: {
    ...v2Actions,
    // Effects, as data like v2's.
    stopEmail: (_: unknown, _params: StopEmailParams) => undefined,
    correctParty: (_: unknown, _params: CorrectPartyParams) => undefined,

    // v2's action, then the consent the event records (a "yes", a willing offender, a withdrawal).
    victimResponded: enqueueActions(({ enqueue }) => {
      enqueue(v2Actions.victimResponded);
      enqueue('recordConsent');
    }),
    offenderResponded: enqueueActions(({ enqueue }) => {
      enqueue(v2Actions.offenderResponded);
      enqueue('recordConsent');
    }),
    withdraw: enqueueActions(({ enqueue }) => {
      enqueue(v2Actions.withdraw);
      enqueue('recordConsent');
    }),
    /** v2's closure proposal; a withdrawal recorded as consent proposes the closure WITHDRAW does. */
    proposeClosure: enqueueActions(({ enqueue, context, event }) => {
      if (event.type !== 'RECORD_CONSENT') return void enqueue(v2Actions.proposeClosure);
      const reason = event.party === 'victim' ? 'victim_withdrew' : 'offender_withdrew';
      enqueue.assign({ closure: { reason, requestedBy: event.actor, fromStage: context.stage, note: event.note ?? null } });
      enqueue({ type: 'notify', params: { template: 'approval_requested', to: ['supervisors'], data: { kind: 'closure', reason } } });
    }),
    /** The consent the event records; withdrawing email contact stops the email queued for the party. */
    recordConsent: enqueueActions(({ enqueue, context, event }) => {
      const changes = consentChanges({ type: event.type, actor: event.actor, data: event });
      if (changes.length === 0) return;
      for (const c of changes) {
        if (c.purpose === 'emailContact' && c.status === 'withdrawn' && context.consent[c.party].emailContact !== 'withdrawn') {
          enqueue({ type: 'stopEmail', params: { party: c.party } });
        }
      }
      enqueue.assign({ consent: withChanges(context.consent, changes) });
    }),
  },
  guards: guardsOf(rulesV3),
});

// v2's configuration is typed for v2's setup: v3's accepts it, as it names only v2's guards and actions, which v3 keeps.
export const caseMachineV3 = v3Setup.createMachine(chart as Parameters<typeof v3Setup.createMachine>[0]);
