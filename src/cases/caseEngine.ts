import { createHash, randomUUID } from 'node:crypto';
import { eventLabels } from '../../machines/case/eventLabels.js';
import { eventPayloads, eventTypes, type CaseEvent, type EventType } from '../../machines/case/events.js';
import {
  allowedEvents,
  blockedEvents,
  refusalOf,
  restoreCase,
  startCase,
  transitionCase,
  type CaseSnapshot,
  type MachineVersion,
  type Reason,
} from '../../machines/case/index.js';
import { eventSenders, maySend } from '../../machines/case/permissions.js';
import { actorOf, canSee, type Caller, type StaffCaller } from '../access.js';
import { LinkAlreadyUsed, type CaseRecord, type Decision, type Store, type TimerRecord } from '../store/store.js';
import { caseView, factsOf, stateString, type CaseView } from './caseView.js';
import { effectsToRows, type LinkHasher } from './effects.js';
import { invalid, notFound, ok, type Outcome, type Refused } from './outcomes.js';
import { referralDateIssues, referralSchema, type Referral } from './referral.js';
import { snapshotColumns } from './snapshotColumns.js';
import type { Delays } from './timing.js';
import { toIssues } from './validation.js';

export type Clock = () => Date;

export interface SubmitRequest {
  caseId: string;
  body: unknown;
  caller: Caller;
  ifMatch?: number;
  idempotencyKey?: string;
  firedTimerId?: number;
  /** The single-use party link this event answers (see EventCommit.useLinkId). */
  linkId?: string;
}

/** An accepted event: the case as it left it, for this caller, and whether this answer replays an earlier one. */
export interface Submitted {
  case: CaseView;
  replayed: boolean;
}

export interface CaseEngineDeps {
  store: Store;
  clock: Clock;
  delays: Delays;
  linkHash: LinkHasher;
  /** The machine version new cases start on: the current one, unless a test pins an older one. */
  newCasesOn?: MachineVersion;
}

/** Events a person sends (staff, or a party through their link): the ones to name when a type is unknown; the clock's are not theirs. */
const personEvents = eventTypes.filter((t) => eventSenders[t].some((role) => role !== 'system'));

const articled = (role: string) => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** The refusal for a role that may not send an event: who can, or that nobody does because the service's clock does. */
function roleReason(type: EventType): Reason {
  const roles = eventSenders[type].filter((r) => r === 'facilitator' || r === 'supervisor');
  if (roles.length === 0) {
    return { rule: 'role', message: `The service does this itself when it falls due ("${eventLabels[type]}"); nobody sends it by hand.` };
  }
  const who = roles.length === 2 ? 'a facilitator or a supervisor' : articled(roles[0]!);
  return { rule: 'role', message: `Only ${who} can ${lowerFirst(eventLabels[type])}.` };
}

/**
 * The one way a case changes: validate, then in one transaction load, ask the
 * chart, transition, and commit state, history, timers and notices together.
 * Every answer is a domain outcome; nothing here knows HTTP.
 */
export function createCaseEngine({ store, clock, delays, linkHash, newCasesOn }: CaseEngineDeps) {
  async function createCase(body: unknown, caller: StaffCaller): Promise<Outcome<CaseView>> {
    const parsed = referralSchema.safeParse(body);
    if (!parsed.success) return invalid(toIssues(parsed.error));
    const referral: Referral = parsed.data;
    const at = clock().toISOString();
    const dateIssues = referralDateIssues(referral, at);
    if (dateIssues.length) return invalid(dateIssues);
    const { version, snapshot } = startCase({ flags: referral.flags }, newCasesOn);
    const record = await store.createCase(
      {
        id: randomUUID(),
        machineVersion: version,
        version: 1,
        ...snapshotColumns(version, snapshot),
        referral,
        facilitatorIds: [],
        createdAt: at,
        updatedAt: at,
      },
      { type: 'REFERRAL_RECEIVED', actor: actorOf(caller), at, from: null, to: stateString(snapshot.value), data: {} },
    );
    return ok(caseView(record, snapshot, actorOf(caller), at));
  }

  function parseEvent(body: unknown): { ok: true; event: { type: EventType } & Record<string, unknown> } | { ok: false; refused: Refused } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: false, refused: invalid([{ path: '(body)', message: 'send a JSON object with a "type" field' }]) };
    }
    const { type, ...payload } = body as Record<string, unknown>;
    if (typeof type !== 'string' || !(eventTypes as string[]).includes(type)) {
      return { ok: false, refused: invalid([{ path: 'type', message: `unknown event type; expected one of: ${personEvents.join(', ')}` }]) };
    }
    const parsed = eventPayloads[type as EventType].safeParse(payload);
    if (!parsed.success) return { ok: false, refused: invalid(toIssues(parsed.error)) };
    return { ok: true, event: { type: type as EventType, ...(parsed.data as Record<string, unknown>) } };
  }

  /**
   * Facilitator ids must name active facilitators; checked before the transaction, as it needs no lock.
   * Their specialist training is what the chart's allocation rule reads.
   */
  async function facilitatorFacts(event: Record<string, unknown>): Promise<{ refused?: Refused; trainedFor?: Record<string, string[]> }> {
    const ids = event.facilitatorIds as string[] | undefined;
    if (!ids) return {};
    if (new Set(ids).size !== ids.length) return { refused: invalid([{ path: 'facilitatorIds', message: 'list each facilitator once' }]) };
    const users = (await store.usersByIds(ids)).filter((u) => u.role === 'facilitator' && !u.disabledAt);
    const valid = new Map(users.map((u) => [u.id, u.trainedFor]));
    const issues = ids.flatMap((id, i) => (valid.has(id) ? [] : [{ path: `facilitatorIds.${i}`, message: 'no active facilitator has this id' }]));
    return issues.length ? { refused: invalid(issues) } : { trainedFor: Object.fromEntries(valid) };
  }

  /** A refusal that says what the caller may do instead. */
  const conflict = (snapshot: CaseSnapshot, record: CaseRecord, caller: Caller, at: string, message: string, reasons: Reason[], version?: number): Refused => {
    const actor = actorOf(caller);
    const facts = factsOf(record);
    return {
      kind: 'conflict',
      message,
      reasons,
      allowedEvents: allowedEvents(snapshot, actor, at, facts),
      blockedEvents: blockedEvents(snapshot, actor, at, facts),
      ...(version !== undefined ? { version } : {}),
    };
  };

  async function submit(req: SubmitRequest): Promise<Outcome<Submitted>> {
    const parsed = parseEvent(req.body);
    if (!parsed.ok) return parsed.refused;
    const { refused, trainedFor } = await facilitatorFacts(parsed.event);
    if (refused) return refused;

    const actor = actorOf(req.caller);
    const claim =
      req.idempotencyKey && req.caller.kind !== 'system'
        ? {
            actorKey: `${req.caller.kind}:${req.caller.kind === 'user' ? req.caller.id : req.caller.caseId + ':' + req.caller.role}`,
            key: req.idempotencyKey,
            requestHash: createHash('sha256').update(JSON.stringify([req.caseId, req.body])).digest('hex'),
          }
        : undefined;

    // The chart's next snapshot, kept from the transaction to build the answer after the commit.
    let next: CaseSnapshot | undefined;
    const outcome = store.commitEvent(req.caseId, claim, (current): Decision<Refused> => {
      if (!current || !canSee(req.caller, current)) return { kind: 'reject', refusal: notFound };
      const at = clock().toISOString();
      const { type } = parsed.event;
      const snapshot = restoreCase(current.machineVersion, current.snapshot);
      if (!maySend(actor, type)) {
        const reason = roleReason(type);
        return {
          kind: 'reject',
          refusal: { kind: 'forbidden', message: reason.message, reasons: [reason], allowedEvents: allowedEvents(snapshot, actor, at, factsOf(current)) },
        };
      }
      if (req.ifMatch !== undefined && req.ifMatch !== current.version) {
        const message = `The case has changed since version ${req.ifMatch}; it is now at version ${current.version}. Reload it and try again.`;
        return { kind: 'reject', refusal: conflict(snapshot, current, req.caller, at, message, [{ rule: 'staleVersion', message }], current.version) };
      }
      const facts = { ...factsOf(current), ...(trainedFor ? { trainedFor } : {}) };
      const event = { ...parsed.event, actor, at, facts } as unknown as CaseEvent;
      if (!snapshot.can(event)) {
        const why = refusalOf(snapshot, event);
        if (why.kind === 'fields') return { kind: 'reject', refusal: invalid(why.issues) };
        return { kind: 'reject', refusal: conflict(snapshot, current, req.caller, at, `"${eventLabels[type]}" is not possible now.`, why.reasons) };
      }
      const [after, actions] = transitionCase(current.machineVersion, snapshot, event);
      next = after;
      const { type: _type, ...data } = parsed.event;
      return {
        kind: 'commit',
        commit: {
          next: { ...snapshotColumns(current.machineVersion, after), facilitatorIds: after.context.facilitatorIds },
          history: { type, actor, at, from: stateString(snapshot.value), to: stateString(after.value), data },
          ...effectsToRows(actions, snapshot.context, after.context, current.referral as Referral, at, delays, linkHash),
          ...(req.firedTimerId !== undefined ? { firedTimerId: req.firedTimerId } : {}),
          ...(req.linkId !== undefined ? { useLinkId: req.linkId } : {}),
        },
      };
    });
    return outcome.then(
      (o): Outcome<Submitted> => {
        switch (o.kind) {
          case 'rejected':
            return o.refusal;
          case 'keyReused':
            return invalid(
              [{ path: 'Idempotency-Key', message: 'already used for a different request' }],
              'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
            );
          case 'committed':
            return ok({ case: caseView(o.record, next!, actor, o.record.updatedAt), replayed: false });
          case 'replayed': {
            // Rebuilt as the first request's answer was: the case as that event left it, seen at that time.
            const { record, first } = o;
            const snapshotThen = restoreCase(first.machineVersion, first.snapshot);
            const view = caseView({ ...record, version: first.version, machineVersion: first.machineVersion, updatedAt: first.at }, snapshotThen, actor, first.at);
            return ok({ case: view, replayed: true });
          }
        }
      },
      (err: unknown) => {
        if (err instanceof LinkAlreadyUsed) return { kind: 'linkUsed' };
        throw err;
      },
    );
  }

  /** A due timer becomes the system's event; one the chart no longer accepts is voided, not retried. */
  async function fireTimer(timer: TimerRecord): Promise<Outcome<Submitted>> {
    const outcome = await submit({ caseId: timer.caseId, body: timer.event, caller: { kind: 'system', role: 'system' }, firedTimerId: timer.id });
    if (outcome.kind !== 'ok') await store.settleTimer(timer.id, 'void', clock().toISOString());
    return outcome;
  }

  /** The caller's view of a loaded case, or undefined when they may not see it. */
  function present(record: CaseRecord | undefined, caller: Caller): CaseView | undefined {
    if (!record || !canSee(caller, record)) return undefined;
    return caseView(record, restoreCase(record.machineVersion, record.snapshot), actorOf(caller), clock().toISOString());
  }

  const view = async (caseId: string, caller: Caller) => present(await store.caseById(caseId), caller);

  return { createCase, submit, fireTimer, view, present };
}

export type CaseEngine = ReturnType<typeof createCaseEngine>;
