import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { persistCase, restoreCase, transitionCase } from '../../machines/case/index.js';
import { machine, sampleEvents, start } from './caseFixtures.js';

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
          const [nextOurs, ourActions] = transitionCase(1, restoreCase(1, persistCase(1, ours)), e);
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
});
