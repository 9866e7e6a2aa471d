import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import type { Actor, CaseEvent } from '../../machines/case/events.js';
import { explanationsV1 } from '../../machines/case/explanations.v1.js';
import { blockedEvents, caseMachines, refusalOf, type CaseSnapshot, type MachineVersion } from '../../machines/case/index.js';
import { rulesV2 } from '../../machines/case/machine.v2.js';
import { rulesV3 } from '../../machines/case/machine.v3.js';
import { maySend } from '../../machines/case/permissions.js';
import { notInThisState } from '../../machines/case/refusals.js';
import { actors, at, event, fixturesFor, run, start } from './caseFixtures.js';
import { definitionOf, explorationsOf, sampledStates } from './model.js';

type Explained = Record<string, { kind?: string; field?: unknown }>;
const explanations: Record<MachineVersion, Explained> = { 1: explanationsV1, 2: rulesV2 as Explained, 3: rulesV3 as Explained };
const versions = Object.keys(caseMachines).map(Number) as MachineVersion[];

/** The guard names a transition's guard is made of (named guards and and() only). */
function guardNames(guard: unknown): string[] {
  if (guard === undefined) return [];
  if (typeof guard === 'string') return [guard];
  if (typeof guard === 'function') return ((guard as { guards?: unknown[] }).guards ?? [`inline ${guard.name}`]).flatMap(guardNames);
  return [(guard as { type: string }).type];
}

describe.each(versions)('every guard of machine v%s explains itself', (version) => {
  const machine = caseMachines[version] as unknown as AnyStateMachine;
  const used = [...new Set(definitionOf(version).definedTransitions.flatMap((t) => guardNames(t.guard)))];

  it('every guard the chart uses is a named guard with an explanation', () => {
    const missing = used.filter((name) => !explanations[version][name]);
    expect(missing, 'guards without an explanation (or inline guards, which cannot have one)').toEqual([]);
  });

  it('every explained guard is a guard of the machine, and every field rule names its field', () => {
    expect(Object.keys(explanations[version]).sort()).toEqual(Object.keys(machine.implementations.guards).sort());
    for (const [name, rule] of Object.entries(explanations[version])) {
      if (rule.kind === 'field') expect(typeof rule.field, `${name} is a field rule without a field`).toBe('function');
    }
  });
});

// Everyone who may send each event, including a supervisor on the case and one with no id.
const senders: Actor[] = [...Object.values(actors), { kind: 'user', role: 'supervisor' }];

describe.each(versions)('every refusal of machine v%s says why', (version) => {
  const { sampleEvents } = fixturesFor(version);
  const states = sampledStates(explorationsOf(version));
  const guards = new Set(Object.keys(explanations[version]));

  it.each(states.map((s) => [JSON.stringify(s.context.flags), JSON.stringify(s.value), s] as const))('flags %s, in %s', (_, __, snapshot) => {
    let refusals = 0;
    for (const sample of sampleEvents(snapshot)) {
      for (const actor of senders.filter((a) => maySend(a, sample.type))) {
        const e = { ...sample, actor } as CaseEvent;
        if (snapshot.can(e)) continue;
        refusals++;
        const refusal = refusalOf(snapshot, e);
        const said = refusal.kind === 'rules' ? refusal.reasons.map((r) => [r.rule, r.message]) : refusal.issues.map((i) => [i.path, i.message]);
        expect(said.length, `${e.type} from ${actor.role} was refused without a reason`).toBeGreaterThan(0);
        for (const [rule, message] of said) {
          expect(message, `${e.type}: ${rule}`).toMatch(/^\S.{10,}[.)]$/);
          expect(message).not.toMatch(/undefined|null|NaN|\[object/);
          if (refusal.kind === 'rules') expect(guards.has(rule!) || rule === notInThisState, `${rule} is neither a guard nor ${notInThisState}`).toBe(true);
        }
      }
    }
    expect(refusals).toBeGreaterThan(0);
  });
});

describe('refusals in a practitioner’s words (v2)', () => {
  const { facilitator: f1, supervisor: s1, closureApprover: s2 } = actors;
  const informed = { informationVersion: 'rj-information-2026-11' };
  const accepted = (flags = {}) => run(start(flags), event('ACCEPT_REFERRAL', { facilitatorIds: ['f1'] }));
  const consented = (flags = {}) =>
    run(accepted(flags), event('INVITE_VICTIM'), event('VICTIM_RESPONDED', { ...informed, response: 'yes' }), event('RECORD_OFFENDER_RESPONSE', { response: 'willing' }));
  const assess = (level: string, direct: boolean, by: Actor = f1) =>
    event('SUBMIT_RISK_ASSESSMENT', { level, directContactAllowed: direct, factors: { safety: 'checked' } }, by);
  const reasonsFor = (s: CaseSnapshot, e: CaseEvent) => {
    const r = refusalOf(s, e);
    return r.kind === 'rules' ? r.reasons : r.issues.map((i) => ({ rule: i.path, message: i.message }));
  };

  it('names the assessor who tries to approve their own assessment', () => {
    const s = run(consented({ stalking: true }), assess('low', true, s1));
    expect(reasonsFor(s, event('APPROVE_RISK', {}, s1))).toEqual([
      { rule: 'approverIsNotAssessor', message: 'You assessed this risk, so another supervisor must approve it.' },
    ]);
    expect(blockedEvents(s, s1, at)).toContainEqual({ type: 'APPROVE_RISK', reasons: [expect.objectContaining({ rule: 'approverIsNotAssessor' })] });
    expect(blockedEvents(s, s2, at).map((b) => b.type)).not.toContain('APPROVE_RISK');
  });

  it('says whose preparation is missing before a conference', () => {
    const s = run(consented(), assess('low', true), event('CHOOSE_PROCESS', { process: 'conference' }), event('RECORD_PREPARATION', { party: 'victim', note: 'Met' }));
    expect(reasonsFor(s, event('SCHEDULE_CONFERENCE', { startsAt: '2026-12-01T10:00:00Z', venue: 'Hall' }))).toEqual([
      {
        rule: 'bothPartiesPrepared',
        message: "Both parties must be prepared before a conference can be scheduled (the offender's preparation is not recorded).",
      },
    ]);
  });

  it('says when the risk decision allows indirect contact only', () => {
    const s = run(consented(), assess('high', false), event('APPROVE_RISK', {}, s1));
    expect(reasonsFor(s, event('CHOOSE_PROCESS', { process: 'conference' }))[0]).toEqual({
      rule: 'processAllowedByRisk',
      message: 'The risk decision allows indirect contact only: choose a shuttle or letter exchange.',
    });
  });

  it('says where an event belongs when the case is elsewhere', () => {
    expect(reasonsFor(accepted(), event('SCHEDULE_CONFERENCE', { startsAt: '2026-12-01T10:00:00Z', venue: 'Hall' }))).toEqual([
      { rule: notInThisState, message: '"Schedule the conference" is possible only during preparation; this case is in contact and consent.' },
    ]);
  });

  it('lists what holds back the events a role could send now, and nothing it cannot', () => {
    const s = run(consented(), assess('low', true));
    const blocked = Object.fromEntries(blockedEvents(s, f1, at).map((b) => [b.type, b.reasons.map((r) => r.rule)]));
    expect(blocked).toEqual({
      SCHEDULE_CONFERENCE: ['conferenceChosen', 'bothPartiesPrepared'],
      START_INDIRECT_EXCHANGE: ['indirectProcessChosen', 'bothPartiesPrepared'],
    });
    expect(blockedEvents(s, actors.victim, at)).toEqual([]);
  });
});
