import { createHash, randomUUID } from 'node:crypto';
import { eventPayloads, eventTypes, type Actor, type CaseEvent, type EventType } from '../../machines/case/events.js';
import { allowedEvents, caseStatus, persistCase, restoreCase, startCase, transitionCase, type CaseSnapshot } from '../../machines/case/index.js';
import { maySend } from '../../machines/case/permissions.js';
import { LinkAlreadyUsed, type CaseRecord, type Decision, type Response, type Store, type TimerRecord } from '../store/store.js';
import { caseView, stateString } from './caseView.js';
import { effectsToRows, type LinkHasher } from './effects.js';
import { referralSchema, type Referral } from './referral.js';
import type { Delays } from './timing.js';
import { toIssues } from './validation.js';

export type Clock = () => Date;

/** Who is asking. Staff see cases by role and allocation; a party sees only its own case. */
export type Caller = Actor & ({ kind: 'user'; id: string } | { kind: 'party'; caseId: string } | { kind: 'system' });

export function canSee(caller: Caller, record: CaseRecord): boolean {
  switch (caller.kind) {
    case 'system':
      return true;
    case 'party':
      return caller.caseId === record.id;
    default:
      return caller.role === 'supervisor' || (caller.role === 'facilitator' && record.facilitatorIds.includes(caller.id));
  }
}

const notFound: Response = { status: 404, body: { error: 'No case with this id is available to you.' } };
const unprocessable = (issues: { path: string; message: string }[]): Response => ({
  status: 422,
  body: { error: 'The request has fields to fix.', issues },
});

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

export interface CaseEngineDeps {
  store: Store;
  clock: Clock;
  delays: Delays;
  linkHash: LinkHasher;
}

const linkUsed: Response = { status: 410, body: { error: 'This link has already been used.' } };

/**
 * The one way a case changes: validate, then in one transaction load, ask the
 * chart, transition, and commit state, history, timers and notices together.
 */
export function createCaseEngine({ store, clock, delays, linkHash }: CaseEngineDeps) {
  async function createCase(body: unknown, caller: Caller & { kind: 'user' }): Promise<Response> {
    const parsed = referralSchema.safeParse(body);
    if (!parsed.success) return unprocessable(toIssues(parsed.error));
    const referral: Referral = parsed.data;
    const at = clock().toISOString();
    const { version, snapshot } = startCase({ flags: referral.flags });
    const status = caseStatus(snapshot);
    const record = await store.createCase(
      {
        id: randomUUID(),
        machineVersion: version,
        version: 1,
        stage: status.stage,
        status: status.status,
        paused: status.paused,
        snapshot: persistCase(version, snapshot),
        referral,
        facilitatorIds: [],
        createdAt: at,
        updatedAt: at,
      },
      { type: 'REFERRAL_RECEIVED', actor: actorOf(caller), at, from: null, to: stateString(snapshot.value), data: {} },
    );
    return { status: 201, body: { case: caseView(record, snapshot, actorOf(caller), at) } };
  }

  function parseEvent(body: unknown): { ok: true; event: { type: EventType } & Record<string, unknown> } | { ok: false; response: Response } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: false, response: unprocessable([{ path: '(body)', message: 'send a JSON object with a "type" field' }]) };
    }
    const { type, ...payload } = body as Record<string, unknown>;
    if (typeof type !== 'string' || !(eventTypes as string[]).includes(type)) {
      return {
        ok: false,
        response: unprocessable([{ path: 'type', message: `unknown event type; expected one of: ${eventTypes.join(', ')}` }]),
      };
    }
    const parsed = eventPayloads[type as EventType].safeParse(payload);
    if (!parsed.success) return { ok: false, response: unprocessable(toIssues(parsed.error)) };
    return { ok: true, event: { type: type as EventType, ...(parsed.data as Record<string, unknown>) } };
  }

  /** Facilitator ids must name active facilitators; checked before the transaction, as it needs no lock. */
  async function checkReferences(event: Record<string, unknown>): Promise<Response | undefined> {
    const ids = event.facilitatorIds as string[] | undefined;
    if (!ids) return undefined;
    if (new Set(ids).size !== ids.length) return unprocessable([{ path: 'facilitatorIds', message: 'list each facilitator once' }]);
    const users = await store.usersByIds(ids);
    const valid = new Set(users.filter((u) => u.role === 'facilitator' && !u.disabledAt).map((u) => u.id));
    const issues = ids.flatMap((id, i) =>
      valid.has(id) ? [] : [{ path: `facilitatorIds.${i}`, message: 'no active facilitator has this id' }],
    );
    return issues.length ? unprocessable(issues) : undefined;
  }

  async function submit(req: SubmitRequest): Promise<Response & { replayed?: boolean }> {
    const parsed = parseEvent(req.body);
    if (!parsed.ok) return parsed.response;
    const badReference = await checkReferences(parsed.event);
    if (badReference) return badReference;

    const actor = actorOf(req.caller);
    const claim =
      req.idempotencyKey && req.caller.kind !== 'system'
        ? {
            actorKey: `${req.caller.kind}:${req.caller.kind === 'user' ? req.caller.id : req.caller.caseId + ':' + req.caller.role}`,
            key: req.idempotencyKey,
            requestHash: createHash('sha256').update(JSON.stringify([req.caseId, req.body])).digest('hex'),
          }
        : undefined;

    // The chart's next snapshot, kept from the transaction to build the response after the commit.
    let next: CaseSnapshot | undefined;
    const outcome = store.commitEvent(req.caseId, claim, (current): Decision => {
      if (!current || !canSee(req.caller, current)) return { kind: 'reject', response: notFound };
      const at = clock().toISOString();
      const { type } = parsed.event;
      const snapshot = restoreCase(current.machineVersion, current.snapshot);
      const allowed = () => allowedEvents(snapshot, actor, at);
      if (!maySend(actor, type)) {
        return { kind: 'reject', response: { status: 403, body: { error: `Your role (${actor.role}) cannot send ${type}.`, allowedEvents: allowed() } } };
      }
      if (req.ifMatch !== undefined && req.ifMatch !== current.version) {
        return {
          kind: 'reject',
          response: {
            status: 409,
            body: {
              error: `The case has changed since version ${req.ifMatch}; it is now at version ${current.version}. Reload it and try again.`,
              version: current.version,
              allowedEvents: allowed(),
            },
          },
        };
      }
      const event = { ...parsed.event, actor, at } as unknown as CaseEvent;
      if (!snapshot.can(event)) {
        return {
          kind: 'reject',
          response: { status: 409, body: { error: `${type} is not allowed in the case's current state.`, allowedEvents: allowed() } },
        };
      }
      const [after, actions] = transitionCase(current.machineVersion, snapshot, event);
      next = after;
      const status = caseStatus(after);
      const { type: _type, ...data } = parsed.event;
      const referral = current.referral as Referral;
      return {
        kind: 'commit',
        commit: {
          next: {
            stage: status.stage,
            status: status.status,
            paused: status.paused,
            snapshot: persistCase(current.machineVersion, after),
            facilitatorIds: after.context.facilitatorIds,
          },
          history: { type, actor, at, from: stateString(snapshot.value), to: stateString(after.value), data },
          ...effectsToRows(actions, snapshot.context, after.context, referral, at, delays, linkHash),
          ...(req.firedTimerId !== undefined ? { firedTimerId: req.firedTimerId } : {}),
          ...(req.linkId !== undefined ? { useLinkId: req.linkId } : {}),
        },
      };
    });
    return outcome.then(
      (o) => {
        switch (o.kind) {
          case 'rejected':
            return o.response;
          case 'committed':
            return { status: 200, body: { case: caseView(o.record, next!, actor, o.record.updatedAt) } };
          case 'replayed': {
            // Rebuilt as the first request's response was: the case as that event left it, seen at that time.
            const { record, first } = o;
            const snapshotThen = restoreCase(record.machineVersion, first.snapshot);
            const view = caseView({ ...record, version: first.version, updatedAt: first.at }, snapshotThen, actor, first.at);
            return { status: 200, body: { case: view }, replayed: true };
          }
        }
      },
      (err: unknown) => {
        if (err instanceof LinkAlreadyUsed) return linkUsed;
        throw err;
      },
    );
  }

  /** A due timer becomes the system's event; one the chart no longer accepts is voided, not retried. */
  async function fireTimer(timer: TimerRecord): Promise<Response> {
    const response = await submit({
      caseId: timer.caseId,
      body: timer.event,
      caller: { kind: 'system', role: 'system' },
      firedTimerId: timer.id,
    });
    if (response.status !== 200) await store.settleTimer(timer.id, 'void', clock().toISOString());
    return response;
  }

  /** The caller's view of a loaded case, or undefined when they may not see it. */
  function present(record: CaseRecord | undefined, caller: Caller) {
    if (!record || !canSee(caller, record)) return undefined;
    return caseView(record, restoreCase(record.machineVersion, record.snapshot), actorOf(caller), clock().toISOString());
  }

  const view = async (caseId: string, caller: Caller) => present(await store.caseById(caseId), caller);

  return { createCase, submit, fireTimer, view, present, parseEvent };
}

export type CaseEngine = ReturnType<typeof createCaseEngine>;

export function actorOf(caller: Caller): Actor {
  return caller.kind === 'user' ? { kind: 'user', id: caller.id, role: caller.role } : { kind: caller.kind, role: caller.role };
}
