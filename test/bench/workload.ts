/**
 * The event mix the engine and HTTP benchmarks send: each allocated case walks
 * from consent to closed through real transitions, with ADD_NOTE events in
 * between. Events are plain data so a load-generator process can rebuild the
 * exact same stream from case ids alone.
 */

export type Sender = 'facilitator' | 'supervisor';

export interface ScriptedEvent {
  sender: Sender;
  body: { type: string } & Record<string, unknown>;
}

const dayMs = 24 * 60 * 60 * 1000;
/** Midnight UTC `offset` days from today: the same in every process of a run, and after any clock a bench runs on. */
const day = (offset: number) => new Date((Math.floor(Date.now() / dayMs) + offset) * dayMs).toISOString();

/** The transitions of a direct-conference case after ACCEPT_REFERRAL, in order. */
const transitions: ScriptedEvent[] = [
  { sender: 'facilitator', body: { type: 'INVITE_VICTIM' } },
  { sender: 'facilitator', body: { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'conference' } },
  { sender: 'facilitator', body: { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' } },
  {
    sender: 'facilitator',
    body: { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'no concerns' }, directContactAllowed: true },
  },
  { sender: 'facilitator', body: { type: 'RECORD_PREPARATION', party: 'victim', note: 'Met at home' } },
  { sender: 'facilitator', body: { type: 'RECORD_PREPARATION', party: 'offender', note: 'Met at probation' } },
  { sender: 'facilitator', body: { type: 'CHOOSE_PROCESS', process: 'conference' } },
  { sender: 'facilitator', body: { type: 'SCHEDULE_CONFERENCE', startsAt: day(30), venue: 'Community centre' } },
  {
    sender: 'facilitator',
    body: {
      type: 'RECORD_OUTCOME',
      attendees: ['victim', 'offender'],
      // Brought forward: held before its planned start, at a time before any clock a bench runs on (some use the tests' fixed clock).
      heldAt: '2026-01-05T10:00:00Z',
      agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: day(60).slice(0, 10) }],
    },
  },
  { sender: 'facilitator', body: { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' } },
  { sender: 'facilitator', body: { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' } },
  { sender: 'supervisor', body: { type: 'APPROVE_CLOSURE' } },
];

const note = (n: number): ScriptedEvent => ({
  sender: 'facilitator',
  body: { type: 'ADD_NOTE', text: `Phoned the victim to check in (note ${n}); no new concerns raised.` },
});

/** One case's events: every transition but the last is followed by `notesPerStep` notes. */
export function caseScript(notesPerStep: number): ScriptedEvent[] {
  let notes = 0;
  return transitions.flatMap((t, i) =>
    i === transitions.length - 1 ? [t] : [t, ...Array.from({ length: notesPerStep }, () => note(++notes))],
  );
}

export interface StreamItem extends ScriptedEvent {
  caseId: string;
  /** Unique per case and step, so it can serve as an Idempotency-Key. */
  key: string;
}

/**
 * Round-robin over a window of cases, refilled as cases close. A case's next
 * event is issued only after `window - 1` others, so with window well above the
 * number of requests in flight its previous event has always been answered.
 */
export function* eventStream(caseIds: readonly string[], script: readonly ScriptedEvent[], window: number): Generator<StreamItem> {
  let admitted = 0;
  const admit = () => ({ caseId: caseIds[admitted++]!, step: 0 });
  const active = Array.from({ length: Math.min(window, caseIds.length) }, admit);
  for (let i = 0; active.length > 0; ) {
    const slot = active[i]!;
    yield { ...script[slot.step]!, caseId: slot.caseId, key: `bench-${slot.caseId}-${slot.step}` };
    if (++slot.step < script.length) i++;
    else if (admitted < caseIds.length) active[i++] = admit();
    else active.splice(i, 1);
    if (i >= active.length) i = 0;
  }
}

/** How many cases a stream must have to yield `events` events without running dry. */
export const casesFor = (events: number, script: readonly ScriptedEvent[], window: number) =>
  Math.ceil(events / script.length) + window;
