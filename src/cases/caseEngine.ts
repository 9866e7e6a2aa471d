import { createHash, randomUUID } from 'node:crypto';
import { eventLabels } from '../../machines/case/eventLabels.js';
import { eventPayloads, eventTypes, type CaseEvent, type EventType } from '../../machines/case/events.js';
import {
  allowedEvents,
  allowedVariants,
  blockedEvents,
  refusalOf,
  restoreCase,
  startCase,
  transitionCase,
  type CaseSnapshot,
  type MachineVersion,
  type Reason,
} from '../../machines/case/index.js';
import { eventVariants } from '../../machines/case/eventVariants.js';
import { eventSenders, maySend } from '../../machines/case/permissions.js';
import { actorOf, canSee, type Caller, type StaffCaller } from '../access.js';
import { LinkAlreadyUsed, TimerAlreadySettled, type CaseRecord, type CaseStore, type Decision, type TimerRecord, type UserStore } from '../store/store.js';
import { caseView, factsOf, stateString, type CaseView } from './caseView.js';
import { effectsToRows, type LinkHasher } from './effects.js';
import { invalid, notFound, ok, type Outcome, type Refused } from './outcomes.js';
import { referralDateIssues, referralSchema, type Referral } from './referral.js';
import { startSummary, summaryStep, type CaseSummary } from './caseSummary.js';
import { snapshotColumns } from './snapshotColumns.js';
import type { Delays } from './timing.js';
import { toIssues } from './validation.js';
import { defaultRetention, isDeclinedReferral, retainUntil, type RetentionPolicy } from '../privacy/retentionPolicy.js';

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

/** What an accepted event committed besides the case: the notices queued (or failed at once) and the timers set. */
export interface CommittedEffects {
  notices: { template: string; recipient: string; status: 'queued' | 'failed' }[];
  timers: { key: string; dueAt: string }[];
}

/**
 * An accepted event: the case as it left it, for this caller, whether this answer replays an
 * earlier one, and what it set going (none for a replay: the first answer said so).
 */
export interface Submitted {
  case: CaseView;
  replayed: boolean;
  effects: CommittedEffects;
}

type Parsed = { type: EventType } & Record<string, unknown>;

export interface CaseEngineDeps {
  /** Only the cases and the users they are allocated to: so any store with those areas can run cases. */
  store: CaseStore & Pick<UserStore, 'usersByIds'>;
  clock: Clock;
  delays: Delays;
  linkHash: LinkHasher;
  /** The machine version new cases start on: the current one, unless a test pins an older one. */
  newCasesOn?: MachineVersion;
  /** How long a closed case keeps its personal content. */
  retentionPolicy?: RetentionPolicy;
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

/** A sender's Idempotency-Key, scoped to them, with a hash of what it was first used for. */
function claimOf(caller: Caller, key: string, request: unknown) {
  const actorKey = caller.kind === 'user' ? `user:${caller.id}` : caller.kind === 'party' ? `party:${caller.caseId}:${caller.role}` : 'system';
  return { actorKey, key, requestHash: createHash('sha256').update(JSON.stringify(request)).digest('hex') };
}

const keyReused = invalid(
  [{ path: 'Idempotency-Key', message: 'already used for a different request' }],
  'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
);

/**
 * The one way a case changes: validate, then in one transaction load, ask the
 * chart, transition, and commit state, history, timers and notices together.
 * Every answer is a domain outcome; nothing here knows HTTP.
 */
export function createCaseEngine({ store, clock, delays, linkHash, newCasesOn, retentionPolicy = defaultRetention }: CaseEngineDeps) {
  /** A referral becomes a case. With an Idempotency-Key, a second creation with it returns the first case instead of a second one. */
  async function createCase(body: unknown, caller: StaffCaller, idempotencyKey?: string): Promise<Outcome<CaseView>> {
    const parsed = referralSchema.safeParse(body);
    if (!parsed.success) return invalid(toIssues(parsed.error));
    const referral: Referral = parsed.data;
    const at = clock().toISOString();
    const dateIssues = referralDateIssues(referral, at);
    if (dateIssues.length) return invalid(dateIssues);
    const { version, snapshot } = startCase({ flags: referral.flags }, newCasesOn);
    const claim = idempotencyKey ? claimOf(caller, idempotencyKey, ['(new case)', body]) : undefined;
    const summary = startSummary(at, referral.flags);
    const created = await store.createCase(
      {
        id: randomUUID(),
        machineVersion: version,
        version: 1,
        ...snapshotColumns(version, snapshot, summary),
        referral,
        facilitatorIds: [],
        createdAt: at,
        updatedAt: at,
      },
      { type: 'REFERRAL_RECEIVED', actor: actorOf(caller), at, from: null, to: stateString(snapshot.value), data: {} },
      { value: summary },
      claim,
    );
    if ('keyReused' in created) return keyReused;
    const { record } = created;
    return ok(caseView(record, restoreCase(record.machineVersion, record.snapshot), actorOf(caller), clock().toISOString()));
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

  /** The checks and facts an event needs before its transaction: its payload, and whom it allocates. */
  async function prepare(req: SubmitRequest): Promise<{ ok: true; event: Parsed; trainedFor?: Record<string, string[]> } | { ok: false; refused: Refused }> {
    const parsed = parseEvent(req.body);
    if (!parsed.ok) return parsed;
    const { refused, trainedFor } = await facilitatorFacts(parsed.event);
    if (refused) return { ok: false, refused };
    return { ok: true, event: parsed.event, ...(trainedFor ? { trainedFor } : {}) };
  }

  /**
   * What the chart makes of the event on the case as loaded: a refusal saying why, or the
   * transition to commit. Pure: the same for a submission (inside its transaction) and a check.
   */
  function judge(req: SubmitRequest, prepared: { event: Parsed; trainedFor?: Record<string, string[]> }, current: CaseRecord | undefined) {
    if (!current || !canSee(req.caller, current)) return { refused: notFound };
    const actor = actorOf(req.caller);
    const at = clock().toISOString();
    const { type } = prepared.event;
    const snapshot = restoreCase(current.machineVersion, current.snapshot);
    if (!maySend(actor, type)) {
      const reason = roleReason(type);
      return { refused: { kind: 'forbidden', message: reason.message, reasons: [reason], allowedEvents: allowedEvents(snapshot, actor, at, factsOf(current)) } as Refused };
    }
    if (req.ifMatch !== undefined && req.ifMatch !== current.version) {
      const message = `The case has changed since version ${req.ifMatch}; it is now at version ${current.version}. Reload it and try again.`;
      return { refused: conflict(snapshot, current, req.caller, at, message, [{ rule: 'staleVersion', message }], current.version) };
    }
    const facts = { ...factsOf(current), ...(prepared.trainedFor ? { trainedFor: prepared.trainedFor } : {}) };
    const event = { ...prepared.event, actor, at, facts } as unknown as CaseEvent;
    if (!snapshot.can(event)) {
      const why = refusalOf(snapshot, event);
      if (why.kind === 'fields') return { refused: invalid(why.issues) };
      return { refused: conflict(snapshot, current, req.caller, at, `"${eventLabels[type]}" is not possible now.`, why.reasons) };
    }
    return { snapshot, event, at, actor };
  }

  /** Whether the event would be accepted now, without committing it: for a check-your-answers page. */
  async function check(req: SubmitRequest): Promise<Outcome<null>> {
    const prepared = await prepare(req);
    if (!prepared.ok) return prepared.refused;
    const judged = judge(req, prepared, await store.caseById(req.caseId));
    return 'refused' in judged ? judged.refused! : ok(null);
  }

  async function submit(req: SubmitRequest): Promise<Outcome<Submitted>> {
    const prepared = await prepare(req);
    if (!prepared.ok) return prepared.refused;
    const claim = req.idempotencyKey && req.caller.kind !== 'system' ? claimOf(req.caller, req.idempotencyKey, [req.caseId, req.body]) : undefined;

    // The chart's next snapshot and the effects committed with it, kept from the transaction to build the answer after the commit.
    let next: CaseSnapshot | undefined;
    let effects: CommittedEffects = { notices: [], timers: [] };
    const outcome = store.commitEvent(req.caseId, claim, (current): Decision<Refused> => {
      const judged = judge(req, prepared, current);
      if ('refused' in judged) return { kind: 'reject', refusal: judged.refused! };
      const { snapshot, event, at, actor } = judged;
      const [after, actions] = transitionCase(current!.machineVersion, snapshot, event);
      next = after;
      const { type, ...data } = prepared.event;
      const history = { type, actor, at, from: stateString(snapshot.value), to: stateString(after.value), data };
      // A case older than summaries has none until it is rebuilt from its history (see caseSummaries.ts).
      const summed = current!.summary ? summaryStep(current!.summary as CaseSummary, history) : undefined;
      const rows = effectsToRows(actions, snapshot.context, after.context, current!.referral as Referral, at, delays, linkHash);
      const closes = after.context.stage === 'closed' && snapshot.context.stage !== 'closed';
      const declined = isDeclinedReferral(after.context.closureReason, type === 'DECLINE_REFERRAL');
      effects = {
        notices: rows.notices.map(({ template, recipient, status }) => ({ template, recipient, status })),
        timers: rows.timers.map(({ key, dueAt }) => ({ key, dueAt })),
      };
      return {
        kind: 'commit',
        commit: {
          next: {
            ...snapshotColumns(current!.machineVersion, after, summed?.summary ?? null),
            facilitatorIds: after.context.facilitatorIds,
            ...(closes ? { retainUntil: retainUntil(retentionPolicy, at, declined) } : {}),
          },
          history,
          ...(summed ? { summary: { value: summed.summary, ...(summed.left ? { left: summed.left } : {}) } } : {}),
          ...rows,
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
            return keyReused;
          case 'committed':
            return ok({ case: caseView(o.record, next!, actorOf(req.caller), o.record.updatedAt), replayed: false, effects });
          case 'replayed': {
            // Rebuilt as the first request's answer was: the case as that event left it, seen at that time.
            const { record, first } = o;
            const snapshotThen = restoreCase(first.machineVersion, first.snapshot);
            const view = caseView(
              { ...record, version: first.version, machineVersion: first.machineVersion, updatedAt: first.at },
              snapshotThen,
              actorOf(req.caller),
              first.at,
            );
            return ok({ case: view, replayed: true, effects: { notices: [], timers: [] } });
          }
        }
      },
      (err: unknown) => {
        if (err instanceof LinkAlreadyUsed) return { kind: 'linkUsed' };
        throw err;
      },
    );
  }

  /**
   * A due timer becomes the system's event; one the chart no longer accepts is voided, not retried.
   * One settled meanwhile (another instance's sweep fired it) is no longer there to fire.
   */
  async function fireTimer(timer: TimerRecord): Promise<Outcome<Submitted>> {
    let outcome: Outcome<Submitted>;
    try {
      outcome = await submit({ caseId: timer.caseId, body: timer.event, caller: { kind: 'system', role: 'system' }, firedTimerId: timer.id });
    } catch (err) {
      if (err instanceof TimerAlreadySettled) return notFound;
      throw err;
    }
    if (outcome.kind !== 'ok') await store.settleTimer(timer.id, 'void', clock().toISOString());
    return outcome;
  }

  /** The caller's view of a loaded case, or undefined when they may not see it. */
  function present(record: CaseRecord | undefined, caller: Caller): CaseView | undefined {
    if (!record || !canSee(caller, record)) return undefined;
    return caseView(record, restoreCase(record.machineVersion, record.snapshot), actorOf(caller), clock().toISOString());
  }

  const view = async (caseId: string, caller: Caller) => present(await store.caseById(caseId), caller);

  /** Events another role could send now that this caller may not: what a facilitator waits on a supervisor for. */
  function othersMay(record: CaseRecord, caller: Caller): EventType[] {
    const snapshot = restoreCase(record.machineVersion, record.snapshot);
    const now = clock().toISOString();
    const mine = new Set(allowedEvents(snapshot, actorOf(caller), now, factsOf(record)));
    // A supervisor who has had no part in the case yet: neither its assessor nor the one who asked for its closure.
    const another = { kind: 'user' as const, id: '(another supervisor)', role: 'supervisor' };
    return allowedEvents(snapshot, another, now, factsOf(record)).filter((t) => !mine.has(t) && !maySend(actorOf(caller), t));
  }

  /** The payload values that pick a way for one event (see eventVariants), and those the chart would accept from this caller now. */
  function optionsFor(record: CaseRecord, caller: Caller, type: EventType) {
    const snapshot = restoreCase(record.machineVersion, record.snapshot);
    const at = clock().toISOString();
    return {
      all: eventVariants(type, snapshot.context, { at, facts: factsOf(record) }),
      allowed: allowedVariants(snapshot, actorOf(caller), at, type, factsOf(record)),
    };
  }

  /**
   * Whether a form for this event may be opened now: ok, the role may not send it (who can),
   * or the chart does not allow it now (why, and what is possible instead).
   */
  function offer(record: CaseRecord, caller: Caller, type: EventType): Outcome<null> {
    const actor = actorOf(caller);
    const snapshot = restoreCase(record.machineVersion, record.snapshot);
    const at = clock().toISOString();
    const facts = factsOf(record);
    if (!maySend(actor, type)) {
      const reason = roleReason(type);
      return { kind: 'forbidden', message: reason.message, reasons: [reason], allowedEvents: allowedEvents(snapshot, actor, at, facts) };
    }
    if (allowedEvents(snapshot, actor, at, facts).includes(type)) return ok(null);
    const blocked = blockedEvents(snapshot, actor, at, facts).find((b) => b.type === type);
    const variant = eventVariants(type, snapshot.context, { at, facts })[0];
    const why = blocked?.reasons ?? (variant ? refusalOf(snapshot, { type, ...variant, actor, at, facts: { ...facts, ...variant.facts } } as unknown as CaseEvent) : undefined);
    const reasons: Reason[] = Array.isArray(why)
      ? why
      : why?.kind === 'rules'
        ? why.reasons
        : [{ rule: 'nothingToActOn', message: 'There is nothing on this case for this step to act on now.' }];
    return conflict(snapshot, record, caller, at, `"${eventLabels[type]}" is not possible now.`, reasons);
  }

  return { createCase, check, submit, fireTimer, view, present, othersMay, optionsFor, offer };
}

export type CaseEngine = ReturnType<typeof createCaseEngine>;
