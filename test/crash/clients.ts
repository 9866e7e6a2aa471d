import type { AppProcesses, DemoStaff, StaffUser } from './appProcess.js';
import { chance, pick, stream, between, type Random } from './random.js';

/**
 * What one 2xx answer acknowledged: the case, the event, the version the case reached with
 * it, and what it was bound to commit with it (notices as `template>recipient`, timer keys).
 * A creation is acknowledged as REFERRAL_RECEIVED at version 1.
 */
export interface Ack {
  n: number;
  client: number;
  caseId: string;
  type: string;
  version: number;
  /** The event's fields as sent: the history row must hold exactly these. */
  data: Record<string, unknown>;
  actorId: string;
  key: string;
  replayed: boolean;
  /** Sends it took, counting those that never got an answer. */
  attempts: number;
  /** The start of the app that answered. */
  generation: number;
  notices: string[];
  timers: string[];
}

export interface LoadStats {
  sent: number;
  connectionErrors: number;
  serverErrors: { status: number; method: string; path: string; body: string; generation: number }[];
  /** Answers that were not 2xx, by `status rule-or-path`. */
  refusals: Map<string, number>;
  replays: number;
  reads: number;
  cases: number;
  plans: Map<string, number>;
  /** The first 401: the app stopped accepting the demo staff's tokens, and the load was stopped. */
  unauthorized?: string;
}

interface Answer {
  status: number;
  body: any;
  replayed: boolean;
  attempts: number;
  generation: number;
}

export class LoadAborted extends Error {}

const notices = (template: string, ...to: string[]) => to.map((r) => `${template}>${r}`);
const day = (offsetDays: number, from = Date.now()) => new Date(from + offsetDays * 864e5).toISOString().slice(0, 10);
/** The date in the UK: an agreement item may be due on the meeting's own day, as the chart reads it. */
const londonDay = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(at);

/** How a case is driven. Every plan is a valid path through the chart; timers may fire in between. */
const plans = ['full', 'full', 'full', 'invited', 'invited', 'notNow', 'moreInfo', 'offenderDeclines', 'victimSaysNo', 'referralOnly'] as const;
type Plan = (typeof plans)[number];

/**
 * Several clients, each driving one case at a time over real HTTP. Every request carries an
 * Idempotency-Key and is retried with the same key and body until it gets an HTTP answer: a
 * request whose answer was lost to a kill is either replayed (it had committed) or applied
 * afresh, so every event that committed is acknowledged exactly once. 5xx answers are kept
 * (the run fails on them) and retried the same way.
 */
export function startLoad(options: { app: AppProcesses; staff: DemoStaff; clients: number; seed: number }) {
  const { app, staff } = options;
  const acks: Ack[] = [];
  const stats: LoadStats = { sent: 0, connectionErrors: 0, serverErrors: [], refusals: new Map(), replays: 0, reads: 0, cases: 0, plans: new Map() };
  let stopping = false;
  let aborted = false;
  /** Requests sent and not yet answered, for the report of each kill. */
  let inFlight = 0;

  const refused = (what: string) => stats.refusals.set(what, (stats.refusals.get(what) ?? 0) + 1);

  /** One request to the client's instance (`route.slot`), which moves on to another when its own is down. */
  async function request(route: { slot: number }, method: string, path: string, user: StaffUser, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      if (aborted) throw new LoadAborted();
      const generation = app.currentOf(route.slot)?.number ?? 0;
      stats.sent++;
      inFlight++;
      try {
        const res = await fetch(app.urlOf(route.slot) + path, {
          method,
          headers: {
            authorization: `Bearer ${user.token}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          // Loopback answers in milliseconds; this only stops a request from hanging forever.
          signal: AbortSignal.timeout(60_000),
        });
        // A body cut off by the kill throws here or fails to parse: not an answer.
        const text = await res.text();
        const parsed: unknown = text === '' ? undefined : JSON.parse(text);
        if (res.status >= 500) {
          stats.serverErrors.push({ status: res.status, method, path, body: text.slice(0, 500), generation });
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        // The demo staff's tokens never stop working in a run: a 401 means the app no longer knows them, and every later request would get the same.
        if (res.status === 401) {
          stats.unauthorized = `${method} ${path} (start ${generation}): ${text.slice(0, 200)}`;
          abort();
          throw new LoadAborted();
        }
        return { status: res.status, body: parsed, replayed: res.headers.get('idempotent-replayed') === 'true', attempts: attempt, generation };
      } catch (err) {
        if (err instanceof LoadAborted) throw err;
        stats.connectionErrors++;
        route.slot = await app.afterConnectionError(route.slot, generation);
      } finally {
        inFlight--;
      }
    }
  }

  async function client(index: number, random: Random) {
    // The clients are spread over the instances, as a load balancer would spread them.
    const route = { slot: (index - 1) % app.instances };
    let keys = 0;
    const newKey = () => `crash-c${index}-${++keys}`;

    async function driveCase() {
      const plan: Plan = pick(random, plans);
      stats.plans.set(plan, (stats.plans.get(plan) ?? 0) + 1);
      const flagged = chance(random, 0.25);
      const offenderHasEmail = chance(random, 0.85);
      const referral = {
        referrer: { agency: pick(random, ['Northshire Police', 'Northshire Probation', 'Victim Support']), name: 'PC Jones', email: 'jones@police.example' },
        offence: { type: 'burglary', date: day(-30), description: 'Burglary of a dwelling' },
        cjsStage: 'post_sentence',
        initiatedBy: 'agency',
        victim: { name: 'Vera', email: `vera.${index}.${keys}@example.org` },
        // Some offenders have no address: their notices fail at once, and must never be sent.
        offender: offenderHasEmail ? { name: 'Oscar', email: `oscar.${index}.${keys}@example.net` } : { name: 'Oscar' },
        flags: flagged ? { domesticAbuse: true } : {},
      };
      const key = newKey();
      const created = await request(route, 'POST', '/api/cases', staff.supervisor, referral, { 'idempotency-key': key });
      if (created.status !== 201) return void refused(`${created.status} POST /api/cases`);
      const caseId = created.body.case.id as string;
      stats.cases++;
      if (created.replayed) stats.replays++;
      acks.push({
        n: acks.length + 1,
        client: index,
        caseId,
        type: 'REFERRAL_RECEIVED',
        version: created.body.case.version,
        data: {},
        actorId: staff.supervisor.id,
        key,
        replayed: created.replayed,
        attempts: created.attempts,
        generation: created.generation,
        notices: [],
        timers: [],
      });
      let version = created.body.case.version as number;
      let meetingHeld = false;
      let allocated = false;
      let itemIds: string[] = [];

      /** Sends one event; returns the case view, or undefined when it was refused (the plan then ends). */
      async function send(user: StaffUser, body: Record<string, unknown>, effects: { notices?: string[]; timers?: string[] } = {}, ifMatch?: number) {
        const key = newKey();
        const headers: Record<string, string> = { 'idempotency-key': key, ...(ifMatch !== undefined ? { 'if-match': `"${ifMatch}"` } : {}) };
        const answer = await request(route, 'POST', `/api/cases/${caseId}/events`, user, body, headers);
        if (answer.status !== 200) {
          const rule = answer.body?.reasons?.[0]?.rule ?? answer.body?.issues?.[0]?.path ?? '';
          refused(`${answer.status} ${String(body.type)} ${rule}`.trim());
          if (rule === 'staleVersion') version = answer.body.version;
          return undefined;
        }
        if (answer.replayed) stats.replays++;
        const view = answer.body.case;
        const { type, ...data } = body;
        // A notice to a party with no address fails at once, in the same transaction, and tells the facilitators.
        const expected = effects.notices ?? [];
        const undeliverable = offenderHasEmail ? [] : expected.filter((n) => n.endsWith('>offender')).map(() => 'notice_undeliverable>facilitators');
        acks.push({
          n: acks.length + 1,
          client: index,
          caseId,
          type: String(type),
          version: view.version,
          data,
          actorId: user.id,
          key,
          replayed: answer.replayed,
          attempts: answer.attempts,
          generation: answer.generation,
          notices: [...expected, ...undeliverable],
          timers: effects.timers ?? [],
        });
        version = view.version;
        if (type === 'ACCEPT_REFERRAL') allocated = true;
        return view;
      }
      const note = async () => {
        // Half the notes say which version they were written against; a timer that fired meanwhile makes that stale (409, then go on).
        const body = { type: 'ADD_NOTE', text: `note ${index}-${keys} ${Math.floor(random() * 1e9)}` };
        // A facilitator sees a case only once it is allocated to them.
        await send(allocated ? staff.facilitator : staff.supervisor, body, {}, chance(random, 0.5) ? version : undefined);
      };
      const maybeNote = async () => {
        if (chance(random, 0.2)) await note();
        if (chance(random, 0.05)) {
          // Reads write too (the audit records each view), through the same group commit.
          stats.reads++;
          await request(route, 'GET', `/api/cases/${caseId}`, staff.facilitator);
        }
        // Think time, so that several clients' events interleave and share commits.
        await new Promise((resolve) => setTimeout(resolve, between(random, 0, 25)));
      };
      const F = staff.facilitator;
      const S = staff.supervisor;
      const S2 = staff.supervisor2;
      const steps: (() => Promise<unknown>)[] = [];
      const step = (run: () => Promise<unknown>) => steps.push(run);
      const invite = () => step(() => send(F, { type: 'INVITE_VICTIM' }, { notices: notices('victim_invitation', 'victim'), timers: ['invitationReminder', 'invitationExpiry'] }));
      const answer = (response: string, extra: Record<string, unknown> = {}) =>
        step(() =>
          send(
            F,
            { type: 'VICTIM_RESPONDED', response, ...extra },
            {
              notices: [
                ...notices('party_responded', 'facilitators'),
                ...(response !== 'no' ? notices('thank_you', 'victim') : notices('approval_requested', 'supervisors')),
              ],
              timers: response === 'not_now' ? ['reoffer'] : [],
            },
          ),
        );
      const approveClosure = (by: StaffUser) =>
        step(() => send(by, { type: 'APPROVE_CLOSURE' }, { notices: meetingHeld ? notices('feedback_request', 'victim', 'offender') : [] }));

      if (plan !== 'referralOnly') step(() => send(S, { type: 'ACCEPT_REFERRAL', facilitatorIds: [F.id] }, { notices: notices('allocation', 'facilitators') }));
      switch (plan) {
        case 'referralOnly':
          step(note);
          step(note);
          break;
        case 'invited':
          invite();
          step(note);
          break;
        case 'notNow':
          invite();
          answer('not_now');
          break;
        case 'moreInfo':
          invite();
          answer('more_info');
          invite();
          answer('yes');
          step(() => send(F, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' }, { notices: notices('party_responded', 'facilitators') }));
          break;
        case 'offenderDeclines':
          invite();
          step(() =>
            send(F, { type: 'RECORD_OFFENDER_RESPONSE', response: 'declined' }, { notices: [...notices('party_responded', 'facilitators'), ...notices('approval_requested', 'supervisors')] }),
          );
          approveClosure(S2);
          break;
        case 'victimSaysNo':
          invite();
          answer('no');
          approveClosure(S);
          break;
        case 'full': {
          invite();
          answer('yes', { preferredProcess: 'conference' });
          step(() => send(F, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' }, { notices: notices('party_responded', 'facilitators') }));
          // A sensitive offence needs the risk approved by a supervisor, who is not its assessor.
          step(() =>
            send(
              F,
              { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'no concerns' }, directContactAllowed: true },
              { notices: flagged ? notices('approval_requested', 'supervisors') : [] },
            ),
          );
          if (flagged) step(() => send(S, { type: 'APPROVE_RISK' }, { notices: notices('approval_decision', 'facilitators') }));
          step(() => send(F, { type: 'RECORD_PREPARATION', party: 'victim', note: 'Met at home' }));
          step(() => send(F, { type: 'RECORD_PREPARATION', party: 'offender', note: 'Met at probation' }));
          step(() => send(F, { type: 'CHOOSE_PROCESS', process: 'conference' }));
          step(() =>
            send(
              F,
              { type: 'SCHEDULE_CONFERENCE', startsAt: `${day(14)}T10:00:00Z`, venue: 'Community centre' },
              { notices: notices('conference_invitation', 'victim', 'offender', 'facilitators') },
            ),
          );
          step(async () => {
            // Held a minute ago (brought forward); an item due today falls due at once and fires while the case goes on.
            const heldAt = Date.now() - 60_000;
            const agreement = [
              { action: 'Write a letter of apology', owner: 'offender', dueDate: chance(random, 0.5) ? londonDay(heldAt) : day(28) },
              ...(chance(random, 0.5) ? [{ action: 'Repair the fence', owner: 'offender', dueDate: day(40) }] : []),
            ];
            const before = itemIds.length;
            const timers = agreement.map((_, i) => `item-${before + i + 1}`);
            const view = await send(
              F,
              { type: 'RECORD_OUTCOME', heldAt: new Date(heldAt).toISOString(), attendees: ['victim', 'offender'], agreement },
              { notices: notices('feedback_request', 'victim', 'offender'), timers },
            );
            if (!view) return undefined;
            meetingHeld = true;
            itemIds = (view.agreement as { id: string }[]).map((i) => i.id);
            return view;
          });
          step(async () => {
            for (const itemId of itemIds) {
              if (!(await send(F, { type: 'COMPLETE_AGREEMENT_ITEM', itemId }, { notices: notices('agreement_item_completed', 'victim') }))) return undefined;
            }
            return true;
          });
          step(() => send(F, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' }, { notices: notices('approval_requested', 'supervisors') }));
          approveClosure(chance(random, 0.5) ? S : S2);
          break;
        }
      }
      for (const run of steps) {
        if (stopping) return;
        await maybeNote();
        if (stopping) return;
        // A refusal (other than a stale version on a note) ends the plan: the chart moved on, as a timer may have made it.
        const result = await run();
        if (result === undefined && run !== note) return;
      }
    }

    while (!stopping) await driveCase();
  }

  function abort() {
    aborted = true;
    stopping = true;
    app.release();
  }

  const running = Array.from({ length: options.clients }, (_, i) =>
    client(i + 1, stream(options.seed, i + 1)).catch((err: unknown) => {
      if (!(err instanceof LoadAborted)) throw err;
    }),
  );

  return {
    acks,
    stats,
    get inFlight() {
      return inFlight;
    },
    /** No new steps; resolves once every client has its last request answered. */
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
    /** Gives up on requests still waiting (the app will not come back). */
    abort,
    get aborted() {
      return aborted;
    },
  };
}
