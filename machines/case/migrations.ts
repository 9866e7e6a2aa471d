import { getStateNodes, type AnyStateMachine, type AnyStateNode, type StateValue } from 'xstate';
import type { AgreementItem, CaseContext } from './context.js';
import type { CaseContextV2 } from './context.v2.js';
import type { CaseContextV3 } from './context.v3.js';

/**
 * How a case moves from one machine version to the next. Every atomic or final
 * state of the older chart names its home in the newer one (`null` when it has
 * none: such a case stays on its version and keeps working there), and one
 * function carries the context across. test/machines/migrations.test.ts fails
 * for a state without an entry.
 */
export interface MachineMigration<From, To> {
  states: Record<string, string | null>;
  context: (old: From, leaves: string[]) => To;
}

const itemNumber = (item: AgreementItem) => Number(/^item-(\d+)$/.exec(item.id)?.[1] ?? 0);

/** The atomic and final states of every chart so far: v1's, kept by v2 and v3 under the same ids. */
const statesSinceV1 = [
  'case.referral',
  'case.open.consent.victim.notContacted',
  'case.open.consent.victim.invited',
  'case.open.consent.victim.moreInfo',
  'case.open.consent.victim.notNow',
  'case.open.consent.victim.noResponse',
  'case.open.consent.victim.consented',
  'case.open.consent.offender.notContacted',
  'case.open.consent.offender.unreachable',
  'case.open.consent.offender.consented',
  'case.open.riskAssessment.assessing',
  'case.open.riskAssessment.awaitingApproval',
  'case.open.preparation',
  'case.open.conference.scheduled',
  'case.open.conference.indirect',
  'case.open.followUp',
  'case.paused',
  'case.closing',
  'case.closed',
];
const sameHomes = Object.fromEntries(statesSinceV1.map((id) => [id, id]));

/** v1 → v2: every v1 state has the same home in v2; the context gains what v2's rules read. */
export const v1ToV2: MachineMigration<CaseContext, CaseContextV2> = {
  states: sameHomes,
  context: (old, leaves) => ({
    ...old,
    // v1 kept no record of the invitation; a victim waiting on one, or whose invitation lapsed, was sent it.
    // Otherwise staff recording a "yes" say how the information was given, as v2 asks.
    victim: {
      ...old.victim,
      invited: leaves.some((id) => id === 'case.open.consent.victim.invited' || id === 'case.open.consent.victim.noResponse'),
    },
    itemsIssued: Math.max(0, ...old.agreement.map(itemNumber)),
    heldAt: old.meetingHeld && old.process === 'conference' ? (old.conference?.startsAt ?? null) : null,
  }),
};

/**
 * v2 → v3: every v2 state has the same home in v3. v2 kept no consent per purpose, so none is
 * withdrawn but what v2 knew: a party's withdrawal, which is their consent to take part withdrawn.
 */
export const v2ToV3: MachineMigration<CaseContextV2, CaseContextV3> = {
  states: sameHomes,
  context: (old) => ({
    ...old,
    consent: {
      victim: old.victim.withdrawn ? { participation: 'withdrawn' } : {},
      offender: old.offender.withdrawn ? { participation: 'withdrawn' } : {},
    },
  }),
};

function hasNode(machine: AnyStateMachine, id: string): boolean {
  try {
    machine.getStateNodeById(id);
    return true;
  } catch {
    return false;
  }
}

/** A state value from the paths of its active leaves (`[['open','consent','victim','invited'], …]`). */
function valueOf(paths: string[][]): StateValue {
  if (paths.length === 1 && paths[0]!.length === 1) return paths[0]![0]!;
  const value: Record<string, StateValue> = {};
  const byHead = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) byHead.set(head!, [...(byHead.get(head!) ?? []), rest]);
  for (const [head, rests] of byHead) value[head] = rests.every((r) => r.length === 0) ? {} : valueOf(rests.filter((r) => r.length));
  return value;
}

export interface PersistedCase {
  value: StateValue;
  historyValue?: Record<string, { id: string }[]>;
  context: unknown;
  [key: string]: unknown;
}

export type Migrated = { ok: true; persisted: PersistedCase } | { ok: false; homeless: string[] };

/** Maps a persisted snapshot of `from` onto `to`, or names the states that have no home there. */
export function migratePersisted(
  persisted: PersistedCase,
  from: AnyStateMachine,
  to: AnyStateMachine,
  migration: MachineMigration<never, unknown>,
): Migrated {
  const leaves = getStateNodes(from.root, persisted.value)
    .filter((n: AnyStateNode) => n.type === 'atomic' || n.type === 'final')
    .map((n) => n.id);
  const remembered = Object.values(persisted.historyValue ?? {}).flat().map((n) => n.id);
  const homeOf = (id: string) => migration.states[id];
  const homeless = [...new Set([...leaves, ...remembered])].filter((id) => !homeOf(id));
  if (homeless.length) return { ok: false, homeless };

  // A history pseudo-state keeps its id across versions (the newer chart must have it); what it remembers moves with its states.
  const lostHistories = Object.keys(persisted.historyValue ?? {}).filter((id) => !hasNode(to, id));
  if (lostHistories.length) return { ok: false, homeless: lostHistories };
  const paths = leaves.map((id) => to.getStateNodeById(homeOf(id)!).path);
  const historyValue = Object.fromEntries(
    Object.entries(persisted.historyValue ?? {}).map(([historyId, nodes]) => [historyId, nodes.map((n) => ({ id: homeOf(n.id)! }))]),
  );
  return {
    ok: true,
    persisted: { ...persisted, value: valueOf(paths), historyValue, context: migration.context(persisted.context as never, leaves) },
  };
}
