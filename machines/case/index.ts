import { createActor, getStateNodes, initialTransition, type AnyActorScope, type AnyStateMachine, type ExecutableActionsFrom, type SnapshotFrom } from 'xstate';
import type { CaseContext, CaseInput, Stage } from './context.js';
import { eventTypes, type Actor, type CaseEvent, type EventType } from './events.js';
import { eventVariants } from './eventVariants.js';
import { caseMachineV1 } from './machine.v1.js';
import { maySend } from './permissions.js';

/**
 * Every machine version a stored case may run on. A case keeps the version it
 * was created with; a changed chart is a new version added here, never an edit
 * of an old one (test/machines/machineVersions.test.ts holds each version's hash).
 */
export const caseMachines = { 1: caseMachineV1 } as const;
export type MachineVersion = keyof typeof caseMachines;
export const currentMachineVersion: MachineVersion = 1;
export type CaseMachine = (typeof caseMachines)[MachineVersion];
export type CaseSnapshot = SnapshotFrom<CaseMachine>;

export function machineFor(version: number): CaseMachine {
  const machine = caseMachines[version as MachineVersion];
  if (!machine) throw new Error(`no case machine of version ${version}`);
  return machine;
}

export function startCase(input: CaseInput) {
  const machine = machineFor(currentMachineVersion);
  const [snapshot] = initialTransition(machine, input);
  return { version: currentMachineVersion, snapshot };
}

type CaseAction = ExecutableActionsFrom<CaseMachine>;

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
    const self = createActor(machineFor(version), { input: { flags: {} } });
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
  return machineFor(version).restoreSnapshot(persisted as never, inertScope(version).scope) as CaseSnapshot;
}

/** The next snapshot and the effects to commit with it; nothing is executed. */
export function transitionCase(version: number, snapshot: CaseSnapshot, event: CaseEvent): [CaseSnapshot, CaseAction[]] {
  const { scope, collected } = inertScope(version);
  collected.length = 0;
  const next = machineFor(version).transition(snapshot, event, scope) as CaseSnapshot;
  return [next, collected.splice(0)];
}

export function persistCase(version: number, snapshot: CaseSnapshot): unknown {
  return machineFor(version).getPersistedSnapshot(snapshot);
}

export interface CaseStatus {
  stage: Stage;
  paused: boolean;
  status: 'active' | 'closed';
}

export function caseStatus(snapshot: CaseSnapshot): CaseStatus {
  return {
    stage: snapshot.context.stage,
    paused: snapshot.matches('paused'),
    status: snapshot.status === 'done' ? 'closed' : 'active',
  };
}

/**
 * Event types some active state node has a transition for: only these can be
 * accepted, so only these need the chart's full `can()`. Kept per machine and
 * state value; a wildcard descriptor would make every type a candidate.
 */
const candidatesByMachine = new WeakMap<AnyStateMachine, Map<string, ReadonlySet<string>>>();
function candidateEvents(snapshot: CaseSnapshot): ReadonlySet<string> {
  let byValue = candidatesByMachine.get(snapshot.machine);
  if (!byValue) candidatesByMachine.set(snapshot.machine, (byValue = new Map()));
  const key = JSON.stringify(snapshot.value);
  let candidates = byValue.get(key);
  if (!candidates) {
    const own = getStateNodes(snapshot.machine.root, snapshot.value).flatMap((node) => node.ownEvents);
    candidates = new Set(own.some((d) => d.includes('*')) ? eventTypes : own);
    byValue.set(key, candidates);
  }
  return candidates;
}

/** Event types this actor may send now: permitted to their role and accepted by the chart for some payload. */
export function allowedEvents(snapshot: CaseSnapshot, actor: Actor, at: string): EventType[] {
  const candidates = candidateEvents(snapshot);
  return eventTypes.filter(
    (type) =>
      candidates.has(type) &&
      maySend(actor, type) &&
      eventVariants(type, snapshot.context).some((variant) =>
        snapshot.can({ type, ...variant, actor, at } as unknown as CaseEvent),
      ),
  );
}

export type { CaseContext, CaseEvent, Stage };
