import { createActor, getStateNodes, initialTransition, type AnyActorScope, type AnyStateMachine, type ExecutableActionsFrom, type SnapshotFrom } from 'xstate';
import type { CaseContext, CaseInput, Stage } from './context.js';
import { eventTypes, type Actor, type CaseEvent, type EventFacts, type EventType } from './events.js';
import { eventVariants, type Variant } from './eventVariants.js';
import { explanationsV1 } from './explanations.v1.js';
import { caseMachineV1 } from './machine.v1.js';
import { caseMachineV2, rulesV2 } from './machine.v2.js';
import { caseMachineV3, rulesV3 } from './machine.v3.js';
import { migratePersisted, v1ToV2, v2ToV3, type MachineMigration, type Migrated, type PersistedCase } from './migrations.js';
import { maySend } from './permissions.js';
import { explainRefusal, type Explanations, type Reason, type Refusal } from './refusals.js';

/**
 * Every machine version a stored case may run on. A case keeps the version it
 * was created with until a migration moves it on; a changed chart is a new
 * version added here, never an edit of an old one (test/machines/machineVersions.test.ts
 * holds each version's hash). machines/README.md says how to add one.
 */
export const caseMachines = { 1: caseMachineV1, 2: caseMachineV2, 3: caseMachineV3 } as const;
export type MachineVersion = keyof typeof caseMachines;
export const currentMachineVersion = 3 satisfies MachineVersion;
export type CaseMachine = (typeof caseMachines)[MachineVersion];
/**
 * A case's snapshot as code outside the charts reads it: the context every
 * version shares (v1's; later versions extend it). A chart's own tests cast to
 * its richer context where they need it.
 */
export type CaseSnapshot = SnapshotFrom<typeof caseMachineV1>;

/** Each version's sentences for its guards (v2 keeps them beside the guards themselves). */
const explanations: Record<MachineVersion, Explanations> = { 1: explanationsV1, 2: rulesV2, 3: rulesV3 };

/** States in which a case's timers wait rather than fire, besides `paused` (where only the timer ending the pause runs). */
const timersHeldIn: Record<MachineVersion, readonly string[]> = { 1: [], 2: ['closing'], 3: ['closing'] };

/** How a case on each older version moves to the next one. */
export const migrations: Record<Exclude<MachineVersion, typeof currentMachineVersion>, MachineMigration<never, unknown>> = { 1: v1ToV2, 2: v2ToV3 };

export function machineFor(version: number): CaseMachine {
  const machine = caseMachines[version as MachineVersion];
  if (!machine) throw new Error(`no case machine of version ${version}`);
  return machine;
}

const versionOf = (machine: AnyStateMachine) =>
  Number(Object.entries(caseMachines).find(([, m]) => m === machine)?.[0]) as MachineVersion;

/** A new case, on the current version unless a test pins an older one. */
export function startCase(input: CaseInput, version: MachineVersion = currentMachineVersion) {
  const [snapshot] = initialTransition(machineFor(version) as AnyStateMachine, input);
  return { version, snapshot: snapshot as CaseSnapshot };
}

type CaseAction = ExecutableActionsFrom<typeof caseMachineV1>;

/**
 * What xstate's pure `transition()` does, with one inert scope per machine
 * instead of a throwaway actor per call (building that actor cost more than the
 * transition). The machines spawn and invoke nothing, so the scope holds no state;
 * actions are collected, never executed.
 */
const scopes = new Map<number, { scope: AnyActorScope; collected: CaseAction[] }>();
function inertScope(version: number) {
  let entry = scopes.get(version);
  if (!entry) {
    const self = createActor(machineFor(version) as AnyStateMachine, { input: { flags: {} } });
    const collected: CaseAction[] = [];
    const noop = () => undefined;
    const scope = { self, id: '', sessionId: '', system: self.system, logger: noop, defer: noop, stopChild: noop, emit: noop };
    entry = { scope: { ...scope, actionExecutor: (action: CaseAction) => void collected.push(action) } as unknown as AnyActorScope, collected };
    scopes.set(version, entry);
  }
  return entry;
}

/** Restores a stored snapshot without starting an actor: nothing runs, no invocation is re-entered. */
export function restoreCase(version: number, persisted: unknown): CaseSnapshot {
  return (machineFor(version) as AnyStateMachine).restoreSnapshot(persisted as never, inertScope(version).scope) as CaseSnapshot;
}

/** The next snapshot and the effects to commit with it; nothing is executed. */
export function transitionCase(version: number, snapshot: CaseSnapshot, event: CaseEvent): [CaseSnapshot, CaseAction[]] {
  const { scope, collected } = inertScope(version);
  collected.length = 0;
  const next = (machineFor(version) as AnyStateMachine).transition(snapshot, event, scope) as CaseSnapshot;
  return [next, collected.splice(0)];
}

export function persistCase(version: number, snapshot: CaseSnapshot): unknown {
  return (machineFor(version) as AnyStateMachine).getPersistedSnapshot(snapshot);
}

/** Moves a persisted case one version on, or names the states that keep it where it is. */
export function migrateCase(version: Exclude<MachineVersion, typeof currentMachineVersion>, persisted: unknown): Migrated {
  return migratePersisted(persisted as PersistedCase, machineFor(version), machineFor(version + 1), migrations[version]);
}

/** Whether a case's timers fire: all of them, only the one that ends a pause, or none while they wait. */
export type Clocks = 'running' | 'paused' | 'held';

export interface CaseStatus {
  stage: Stage;
  paused: boolean;
  status: 'active' | 'closed';
  clocks: Clocks;
}

export function caseStatus(snapshot: CaseSnapshot): CaseStatus {
  const paused = snapshot.matches('paused' as never);
  const held = timersHeldIn[versionOf(snapshot.machine)].some((state) => snapshot.matches(state as never));
  return {
    stage: (snapshot.context as CaseContext).stage,
    paused,
    status: snapshot.status === 'done' ? 'closed' : 'active',
    clocks: held ? 'held' : paused ? 'paused' : 'running',
  };
}

/**
 * Event types some active state node has a transition for: only these can be
 * accepted, so only these need the chart's full `can()`. Kept per machine and
 * state value; a wildcard descriptor would make every type a candidate.
 */
const candidatesByMachine = new WeakMap<AnyStateMachine, Map<string, ReadonlySet<string>>>();
function candidateEvents(snapshot: CaseSnapshot): ReadonlySet<string> {
  const machine = snapshot.machine as AnyStateMachine;
  let byValue = candidatesByMachine.get(machine);
  if (!byValue) candidatesByMachine.set(machine, (byValue = new Map()));
  const key = JSON.stringify(snapshot.value);
  let candidates = byValue.get(key);
  if (!candidates) {
    const own = getStateNodes(machine.root, snapshot.value).flatMap((node) => node.ownEvents);
    candidates = new Set(own.some((d) => d.includes('*')) ? eventTypes : own);
    byValue.set(key, candidates);
  }
  return candidates;
}

/** What the engine knows of a case beyond its snapshot: none, for a case with no open tasks. */
export const noFacts: EventFacts = { openTaskIds: [] };

const asEvent = (type: EventType, variant: Variant, actor: Actor, at: string, facts: EventFacts) =>
  ({ type, ...variant, actor, at, facts: { ...facts, ...variant.facts } }) as unknown as CaseEvent;

/** The event types this actor's role may send that some state of the case now handles. */
const sendable = (snapshot: CaseSnapshot, actor: Actor) => {
  const candidates = candidateEvents(snapshot);
  return eventTypes.filter((type) => candidates.has(type) && maySend(actor, type));
};

const variantsOf = (snapshot: CaseSnapshot, type: EventType, at: string, facts: EventFacts) =>
  eventVariants(type, snapshot.context as CaseContext, { at, facts });

/** Event types this actor may send now: permitted to their role and accepted by the chart for some payload. */
export function allowedEvents(snapshot: CaseSnapshot, actor: Actor, at: string, facts: EventFacts = noFacts): EventType[] {
  return sendable(snapshot, actor).filter((type) =>
    variantsOf(snapshot, type, at, facts).some((variant) => snapshot.can(asEvent(type, variant, actor, at, facts))),
  );
}

/** The variants of one event type the chart accepts from this actor now: which options a form can offer. */
export function allowedVariants(snapshot: CaseSnapshot, actor: Actor, at: string, type: EventType, facts: EventFacts = noFacts): Variant[] {
  if (!maySend(actor, type)) return [];
  return variantsOf(snapshot, type, at, facts).filter((variant) => snapshot.can(asEvent(type, variant, actor, at, facts)));
}

/** Why the chart refuses this event now, in its own words. */
export function refusalOf(snapshot: CaseSnapshot, event: CaseEvent): Refusal {
  return explainRefusal(snapshot, event, explanations[versionOf(snapshot.machine)]);
}

export interface BlockedEvent {
  type: EventType;
  reasons: Reason[];
}

/**
 * The events this actor's role could send at this point of the case but the
 * rules hold back now, each with the reasons of its closest variant. Events
 * held back only by their own values (no such item) or with nothing to act on
 * (no open task) are not listed: no rule stands in the way.
 */
export function blockedEvents(snapshot: CaseSnapshot, actor: Actor, at: string, facts: EventFacts = noFacts): BlockedEvent[] {
  const blocked: BlockedEvent[] = [];
  for (const type of sendable(snapshot, actor)) {
    const events = variantsOf(snapshot, type, at, facts).map((variant) => asEvent(type, variant, actor, at, facts));
    if (events.length === 0 || events.some((e) => snapshot.can(e))) continue;
    const refusals = events.map((e) => refusalOf(snapshot, e));
    if (refusals.some((r) => r.kind === 'fields')) continue;
    const closest = refusals.reduce((a, b) => (b.kind === 'rules' && a.kind === 'rules' && b.reasons.length < a.reasons.length ? b : a));
    if (closest.kind === 'rules') blocked.push({ type, reasons: closest.reasons });
  }
  return blocked;
}

export type { CaseContext, CaseEvent, Reason, Refusal, Stage };
