import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { caseMachines, migrateCase, migrations, persistCase, restoreCase, type MachineVersion } from '../../machines/case/index.js';
import type { CaseContextV3 } from '../../machines/case/context.v3.js';
import { migratePersisted } from '../../machines/case/migrations.js';
import { event, fixturesFor } from './caseFixtures.js';

const older = Object.keys(migrations).map(Number) as (keyof typeof migrations)[];
const machine = (v: number) => caseMachines[v as MachineVersion] as unknown as AnyStateMachine;
const leaves = (v: number) => getStateNodes(machine(v).root).filter((n) => n.type === 'atomic' || n.type === 'final');

describe.each(older)('the migration from machine v%s to the next', (version) => {
  const migration = migrations[version];

  it('names a home, or none, for every atomic and final state of the older chart', () => {
    const unnamed = leaves(version).filter((n) => !(n.id in migration.states)).map((n) => n.id);
    expect(unnamed, 'states the migration says nothing about').toEqual([]);
  });

  it('every home it names is a state of the newer chart', () => {
    const homes = new Set(leaves(version + 1).map((n) => n.id));
    const lost = Object.values(migration.states).filter((home): home is string => home !== null && !homes.has(home));
    expect(lost).toEqual([]);
  });
});

describe('a state with no home in the next version', () => {
  it('keeps its case where it is, naming the state', () => {
    const { start, run } = fixturesFor(1);
    const invited = run(start(), event('ACCEPT_REFERRAL', { facilitatorIds: ['f1'] }), event('INVITE_VICTIM'));
    const homeless = { ...migrations[1], states: { ...migrations[1].states, 'case.open.consent.victim.invited': null } };
    expect(migratePersisted(persistCase(1, invited) as never, machine(1), machine(2), homeless)).toEqual({
      ok: false,
      homeless: ['case.open.consent.victim.invited'],
    });
  });
});

describe('the move from machine v2 to v3', () => {
  it('keeps every state and carries a withdrawal as consent to take part withdrawn, with no other consent withdrawn', () => {
    const { start, run } = fixturesFor(2);
    const accepted = run(start(), event('ACCEPT_REFERRAL', { facilitatorIds: ['f1'] }), event('INVITE_VICTIM'));
    const withdrawn = run(accepted, event('WITHDRAW', { party: 'offender' }));
    for (const [v2, consent] of [
      [accepted, { victim: {}, offender: {} }],
      [withdrawn, { victim: {}, offender: { participation: 'withdrawn' } }],
    ] as const) {
      const moved = migrateCase(2, persistCase(2, v2));
      if (!moved.ok) throw new Error(moved.homeless.join());
      const v3 = restoreCase(3, moved.persisted);
      expect(v3.value).toEqual(v2.value);
      expect((v3.context as CaseContextV3).consent).toEqual(consent);
      expect({ ...v3.context, consent: undefined }).toEqual({ ...v2.context, consent: undefined });
    }
  });
});
