import { getStateNodes, type AnyMachineSnapshot, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import type { CaseEvent, EventType } from './events.js';
import { eventLabels } from './eventLabels.js';
import type { Explanation, GuardArgs } from './rules.js';
import { stateLabel } from './stateLabels.js';

/** A rule that held an event back, named as the chart names its guard, with its sentence. */
export interface Reason {
  rule: string;
  message: string;
}

/** A field of the event to fix: its value does not suit the case (a 422). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Why the chart refused an event: rules that hold it back now (409), or fields to fix (422). */
export type Refusal = { kind: 'rules'; reasons: Reason[] } | { kind: 'fields'; issues: FieldIssue[] };

export type Explanations = Record<string, Explanation<never>>;

/** The rule named when no state the case is in handles the event at all. */
export const notInThisState = 'notInThisState';

type GuardRef = string | { type: string; params?: unknown } | ((...args: never[]) => unknown) | undefined;
interface Failure {
  name: string;
  params: unknown;
}

/**
 * The named guards of one transition's guard that do not hold. Only names and
 * and() are used by the charts; anything else is refused loudly, so a chart
 * cannot grow a guard the refusals cannot explain.
 */
function failingGuards(guard: GuardRef, machine: AnyStateMachine, args: GuardArgs<unknown>): Failure[] {
  if (guard === undefined) return [];
  if (typeof guard === 'function') {
    const combined = guard as { name: string; guards?: GuardRef[] };
    if (combined.name !== 'and' || !combined.guards) throw new Error(`the refusal explainer supports named guards and and() only, not ${combined.name || 'an inline guard'}`);
    return combined.guards.flatMap((g) => failingGuards(g, machine, args));
  }
  const { type: name, params } = typeof guard === 'string' ? { type: guard, params: undefined } : guard;
  const check = machine.implementations.guards[name] as ((a: unknown, p: unknown) => boolean) | undefined;
  if (!check) throw new Error(`no guard named ${name}`);
  return check(args, params) ? [] : [{ name, params }];
}

const words = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`);

/** Where in the chart an event type is handled, in words. */
function whereHandled(machine: AnyStateMachine, type: EventType): string[] {
  const nodes: AnyStateNode[] = [];
  const visit = (node: AnyStateNode) => {
    if (node.transitions.has(type)) nodes.push(node);
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return [...new Set(nodes.map((n) => stateLabel(n.path).when))];
}

/** The innermost active state that says where the case is, for "this case is …". */
function whereNow(snapshot: AnyMachineSnapshot): string {
  const deepest = getStateNodes(snapshot.machine.root, snapshot.value).filter((n) => n.type === 'atomic' || n.type === 'final');
  const labels = [...new Set(deepest.map((n) => stateLabel(n.path).now))];
  return labels.join(' and ');
}

function stageReason(snapshot: AnyMachineSnapshot, type: EventType): Reason {
  const where = whereHandled(snapshot.machine, type);
  const possible = where.length ? `is possible only ${words(where)}` : 'is not possible on this case';
  return { rule: notInThisState, message: `"${eventLabels[type]}" ${possible}; this case is ${whereNow(snapshot)}.` };
}

/**
 * Why the chart refuses `event` in `snapshot`, from its own guards and their
 * explanations. Each transition the active states have for the event is a
 * candidate unless one of its `choice` guards rules it out (the event asked for
 * another branch); the candidate closest to being taken (fewest failing rules)
 * gives the reasons. Rules that hold the event back come before fields to fix.
 */
export function explainRefusal(snapshot: AnyMachineSnapshot, event: CaseEvent, explanations: Explanations): Refusal {
  const machine = snapshot.machine;
  const args: GuardArgs<unknown> = { context: snapshot.context, event };
  const transitions: AnyTransitionDefinition[] = getStateNodes(machine.root, snapshot.value).flatMap((n) => n.transitions.get(event.type) ?? []);
  const explanationOf = (name: string) => {
    const found = explanations[name];
    if (!found) throw new Error(`the guard ${name} has no explanation`);
    return found as Explanation<unknown>;
  };

  const candidates = transitions
    .map((t) => failingGuards(t.guard as GuardRef, machine, args))
    .filter((failures) => failures.every((f) => explanationOf(f.name).kind !== 'choice'));
  if (candidates.length === 0) return { kind: 'rules', reasons: [stageReason(snapshot, event.type)] };

  const fewest = Math.min(...candidates.map((c) => c.length));
  const failing = [...new Set(candidates.filter((c) => c.length === fewest).flatMap((c) => c.map((f) => f.name)))];
  if (failing.length === 0) return { kind: 'rules', reasons: [{ rule: 'notAllowed', message: `"${eventLabels[event.type]}" is not possible now.` }] };

  const rules = failing.filter((name) => explanationOf(name).kind !== 'field');
  if (rules.length) return { kind: 'rules', reasons: rules.map((rule) => ({ rule, message: explanationOf(rule).explain(args as never) })) };
  return {
    kind: 'fields',
    issues: failing.map((name) => {
      const rule = explanationOf(name);
      return { path: rule.field!(args as never), message: rule.explain(args as never) };
    }),
  };
}
