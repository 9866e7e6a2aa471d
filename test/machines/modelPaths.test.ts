import { describe, expect, it } from 'vitest';
import { caseMachines, type MachineVersion } from '../../machines/case/index.js';
import { actors, fixturesFor } from './caseFixtures.js';
import { definitionOf, describeTransition, explorationsOf, sampledStates } from './model.js';
import type { CaseEvent } from '../../machines/case/events.js';

/** Every released version keeps its guarantees while cases run on it, and each new version keeps v1's invariants. */
const versions = Object.keys(caseMachines).map(Number) as MachineVersion[];

describe.each(versions)('model-based paths from xstate/graph, machine v%s', (version) => {
  const explorations = explorationsOf(version);
  const { historyNodes, configurableNodes, definedTransitions } = definitionOf(version);

  it('explored a non-trivial graph', () => {
    for (const e of explorations) {
      expect(e.nodes.length, `flags ${JSON.stringify(e.flags)}`).toBeGreaterThan(configurableNodes.length);
      expect(e.steps).toBeGreaterThan(e.nodes.length);
    }
  });

  it('reaches every state node of the definition', () => {
    const reached = new Set(explorations.flatMap((e) => [...e.reached]));
    const missed = configurableNodes.filter((n) => !reached.has(n)).map((n) => n.id);
    expect(missed, `state nodes no generated path reached:\n${missed.join('\n')}`).toEqual([]);
  });

  it('takes every transition of the definition, guarded branches included', () => {
    const taken = new Set(explorations.flatMap((e) => [...e.taken]));
    const missed = definedTransitions.filter((t) => !taken.has(t)).map(describeTransition);
    expect(missed, `transitions no generated path took:\n${missed.join('\n')}`).toEqual([]);
  });

  it('restores every substate of open through each transition into its history', () => {
    const restored = new Set(explorations.flatMap((e) => [...e.restored]));
    const expected = historyNodes.flatMap((h) =>
      definedTransitions
        .filter((t) => t.target?.includes(h))
        .flatMap((t) => Object.values(h.parent!.states).filter((s) => s.type !== 'history').map((s) => `${t.eventType} → ${s.id}`)),
    );
    const missed = expected.filter((r) => !restored.has(r));
    expect(missed, `history restorations never exercised:\n${missed.join('\n')}`).toEqual([]);
  });

  it('keeps the invariants on every step of every path', () => {
    const violations = [...new Set(explorations.flatMap((e) => e.violations))];
    expect(violations.slice(0, 30), `${violations.length} invariant violations`).toEqual([]);
  });
});

// ---- refused events ---------------------------------------------------------------------

// Every sample event from every kind of sender, including ones the API would stop on role, and a user with no id.
const senders = [...Object.values(actors), { kind: 'user' as const, role: 'supervisor' }];

describe.each(versions)('refused events change nothing, machine v%s', (version) => {
  const { sampleEvents, step } = fixturesFor(version);
  const states = sampledStates(explorationsOf(version));
  it.each(states.map((s) => [JSON.stringify(s.context.flags), JSON.stringify(s.value), s] as const))('flags %s, in %s', (_, __, snapshot) => {
    let refused = 0;
    for (const sample of sampleEvents(snapshot)) {
      for (const actor of senders) {
        const event = { ...sample, actor } as CaseEvent;
        const [next, actions] = step(snapshot, event);
        if (snapshot.can(event)) {
          expect(next !== snapshot || actions.length > 0, `${event.type} was accepted but did nothing`).toBe(true);
          continue;
        }
        refused++;
        expect(next, `${event.type} from ${actor.role} was refused yet moved the case`).toBe(snapshot);
        expect(actions, `${event.type} from ${actor.role} was refused yet returned effects`).toEqual([]);
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
