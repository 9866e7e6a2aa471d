import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { eventTypes, type CaseEvent } from '../../machines/case/events.js';
import { eventVariants } from '../../machines/case/eventVariants.js';
import { allowedEvents, persistCase, restoreCase, transitionCase, type CaseSnapshot } from '../../machines/case/index.js';
import { maySend } from '../../machines/case/permissions.js';
import { actors, at, machine, sampleEvents, start, version, worldFacts } from './caseFixtures.js';

/** allowedEvents without its shortcut: every type, every variant, asked of the chart. */
const askEveryType = (snapshot: CaseSnapshot, actor: (typeof actors)[keyof typeof actors]) =>
  eventTypes.filter(
    (type) =>
      maySend(actor, type) &&
      eventVariants(type, snapshot.context, { at, facts: worldFacts }).some((v) =>
        snapshot.can({ type, ...v, actor, at, facts: { ...worldFacts, ...v.facts } } as unknown as CaseEvent),
      ),
  );

/**
 * The engine steps with one cached inert scope per machine instead of xstate's
 * throwaway actor per call. Random walks check it agrees with xstate's own
 * `transition()`, state, context and effects alike, also across a persist/restore.
 */
describe('transitionCase', () => {
  it('matches xstate transition() on random walks', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.boolean(), (picks, sensitive) => {
        let ours = start(sensitive ? { domesticAbuse: true } : {});
        let theirs = ours;
        for (const pick of picks) {
          const accepted = sampleEvents(ours).filter((e) => ours.can(e));
          if (accepted.length === 0) break;
          const e = accepted[pick % accepted.length]!;
          const [nextOurs, ourActions] = transitionCase(version, restoreCase(version, persistCase(version, ours)), e);
          const [nextTheirs, theirActions] = transition(machine, theirs, e);
          expect(nextOurs.value).toEqual(nextTheirs.value);
          expect(nextOurs.context).toEqual(nextTheirs.context);
          expect(nextOurs.status).toEqual(nextTheirs.status);
          expect(ourActions.map((a) => [a.type, a.params])).toEqual(theirActions.map((a) => [a.type, a.params]));
          ours = nextOurs;
          theirs = nextTheirs;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('allowedEvents, which asks only the types an active state handles, agrees with asking every type', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (picks, sensitive) => {
        let snapshot = start(sensitive ? { domesticAbuse: true } : {});
        for (const pick of [...picks, 0]) {
          for (const actor of Object.values(actors)) expect(allowedEvents(snapshot, actor, at, worldFacts)).toEqual(askEveryType(snapshot, actor));
          const accepted = sampleEvents(snapshot).filter((e) => snapshot.can(e));
          if (accepted.length === 0) break;
          [snapshot] = transitionCase(1, snapshot, accepted[pick % accepted.length]!);
        }
      }),
      { numRuns: 200 },
    );
  });
});
