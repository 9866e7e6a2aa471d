import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../machines/case/events.js';
import { allowedEvents, currentMachineVersion, migrateCase, persistCase, restoreCase, type CaseSnapshot, type MachineVersion } from '../../machines/case/index.js';
import { stateString } from '../../src/cases/caseView.js';
import { caseClient } from '../api/apiSteps.js';
import { actors } from '../machines/caseFixtures.js';
import { explorationsOf, sampledStates, stateKey } from '../machines/model.js';
import { storeCaseIn } from '../support/storedCase.js';
import { days, sampleReferral, startApp, tempDir, type TestApp } from '../support/harness.js';

/** A persisted case moved one version at a time to the current chart, as the engine's migration plans it. */
function toCurrent(version: MachineVersion, persisted: unknown): CaseSnapshot {
  let v = version;
  let moved = persisted;
  while (v < currentMachineVersion) {
    const step = migrateCase(v as Exclude<MachineVersion, typeof currentMachineVersion>, moved);
    if (!step.ok) throw new Error(`no home for ${step.homeless.join(', ')}`);
    moved = step.persisted;
    v = (v + 1) as MachineVersion;
  }
  return restoreCase(v, moved);
}

/**
 * Cases in flight on each older machine version, one in every state its model
 * paths reach, moved to the current version through the engine's migration:
 * each lands in the same state, offers what the current chart offers there,
 * shows the move in its history, and the chain still verifies. Closed cases
 * stay on their version and still read as before.
 */
const older = ([1, 2] as const).filter((v) => v < currentMachineVersion);

describe.each(older)('moving cases in flight from machine v%s to the current one', (from) => {
  const tmp = tempDir();
  let app: TestApp;
  const tokens: Record<string, string> = {};
  const built: { id: string; old: CaseSnapshot }[] = [];

  // The model's actors are users here, with the same ids, so guards that compare people read the same.
  const staff: Actor[] = [actors.facilitator, actors.coFacilitator, actors.supervisor, actors.closureApprover];

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`);
    const { store, users, clock } = app.services;
    for (const a of staff) {
      await store.addUser({ id: a.id!, email: `${a.id}@test.rj.local`, name: a.id!, role: a.role as 'facilitator', passwordHash: 'unused', trainedFor: [], createdAt: clock().toISOString(), disabledAt: null });
      tokens[a.id!] = await users.createToken(a.id!);
    }
    const at = clock().toISOString();
    const snapshots = sampledStates(explorationsOf(from));
    for (const [i, old] of snapshots.entries()) {
      const referral = sampleReferral({ flags: old.context.flags, victim: { name: 'Vera Victim', email: `vera${i}@example.org` } });
      const record = await storeCaseIn(store, `case-${i}`, from, old, at, referral);
      built.push({ id: record.id, old });
    }
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  const active = () => built.filter((b) => b.old.status !== 'done');
  // In-process, as the API reads it: hundreds of cases over HTTP would only slow the test.
  const viewOf = async (id: string, actor: Actor = actors.closureApprover) =>
    (await app.services.engine.view(id, { kind: 'user', id: actor.id!, role: actor.role }))!;

  it('built a case on the older version in every state the model reaches, open and closed', () => {
    expect(active().length).toBeGreaterThan(100);
    expect(built.length - active().length).toBeGreaterThan(0);
  });

  it('a dry run lists every case in flight and changes nothing', async () => {
    const report = await app.services.migration.migrateAll({ dryRun: true });
    expect(report.moved.map((m) => m.caseId).sort()).toEqual(active().map((b) => b.id).sort());
    expect(report.stayed).toEqual([]);
    for (const { id } of built) expect((await app.services.store.caseById(id))!).toMatchObject({ machineVersion: from, version: 1 });
  });

  it('moves every case in flight to the current version in the same state and stage, with the move in its history; closed cases stay', async () => {
    const report = await app.services.migration.migrateAll({ dryRun: false });
    expect(report.moved).toHaveLength(active().length);
    for (const { id, old } of built) {
      const view = await viewOf(id);
      const history = await app.services.store.history(id);
      if (old.status === 'done') {
        expect(view).toMatchObject({ machineVersion: from, status: 'closed', allowedEvents: [] });
        expect(history).toHaveLength(1);
        continue;
      }
      expect(view, id).toMatchObject({ machineVersion: currentMachineVersion, version: 2, stage: old.context.stage, state: old.value });
      expect(history.at(-1)).toMatchObject({
        type: 'MACHINE_MIGRATED',
        actor: { kind: 'system' },
        from: stateString(old.value),
        to: stateString(old.value),
        data: { fromVersion: from, toVersion: currentMachineVersion },
      });
    }
    expect(await app.services.store.verifyChain()).toEqual({ ok: true, events: built.length + active().length });
  });

  it('offers, in each migrated case, what the current version offers a case of its own in that state', async () => {
    // A case reached natively on the current version, keyed as the model keys states.
    const twins = new Map(explorationsOf(currentMachineVersion).flatMap((e) => e.nodes.map((s) => [stateKey(s), s] as const)));
    const now = app.clock().toISOString();
    let twinned = 0;
    for (const { id, old } of active()) {
      const moved = toCurrent(from, persistCase(from, old));
      const twin = twins.get(stateKey(moved));
      if (twin) twinned++;
      for (const actor of staff.filter((a) => a.role === 'supervisor' || old.context.facilitatorIds.includes(a.id!))) {
        const offered = (await viewOf(id, actor)).allowedEvents;
        expect(offered, `${id} for ${actor.id}`).toEqual(allowedEvents(moved, actor, now));
        if (twin) expect(offered, `${id} (${JSON.stringify(old.value)}) for ${actor.id}, against a native case`).toEqual(allowedEvents(twin, actor, now));
      }
    }
    expect(twinned / active().length).toBeGreaterThan(0.8);
  });

  it('carries what the older chart knew of consent: a withdrawal is consent to take part withdrawn, and nothing else is withdrawn', async () => {
    const withdrawnIn = (b: (typeof built)[number]) => (b.old.status === 'done' ? [] : (['victim', 'offender'] as const).filter((p) => b.old.context[p].withdrawn));
    for (const b of active()) {
      const { consent } = await viewOf(b.id);
      const expected = { victim: {}, offender: {} } as Record<'victim' | 'offender', Record<string, string>>;
      for (const p of withdrawnIn(b)) expected[p] = { participation: 'withdrawn' };
      expect(consent, b.id).toEqual(expected);
    }
  });

  it('holds the timers of a migrated case waiting for closure sign-off, as v2 and later do', async () => {
    const closing = active().filter((b) => b.old.matches('closing'));
    expect(closing.length).toBeGreaterThan(0);
    for (const { id } of closing) expect((await app.services.store.caseById(id))!.clocks).toBe('held');
  });

  it('reads a migrated case over the API on the current version, its move in the history', async () => {
    const { id } = active()[0]!;
    const view = await app.request('GET', `/api/cases/${id}`, { token: tokens.s2! });
    expect(view.body.case).toMatchObject({ machineVersion: currentMachineVersion, version: 2 });
    const history = await app.request('GET', `/api/cases/${id}/history`, { token: tokens.s2! });
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['REFERRAL_RECEIVED', 'MACHINE_MIGRATED']);
  });

  it('runs a migrated case to closure on the current version', async () => {
    const invited = active().find((b) => JSON.stringify(b.old.value) === JSON.stringify({ open: { consent: { victim: 'invited', offender: 'notContacted' } } }) && !b.old.context.flags.domesticAbuse);
    expect(invited).toBeDefined();
    const c = caseClient(app, invited!.id);
    const f = tokens.f1!;
    await c.ok(f, { type: 'VICTIM_RESPONDED', response: 'yes' });
    await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    await c.ok(f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'no concerns' }, directContactAllowed: true });
    await c.ok(f, { type: 'RECORD_PREPARATION', party: 'victim', note: 'met' });
    await c.ok(f, { type: 'RECORD_PREPARATION', party: 'offender', note: 'met' });
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: new Date(app.clock().getTime() + days(7)).toISOString(), venue: 'Hall' });
    app.clock.advance(days(8));
    const dueDate = new Date(app.clock().getTime() + days(14)).toISOString().slice(0, 10);
    await c.ok(f, { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [{ action: 'Apologise', owner: 'offender', dueDate }] });
    await c.ok(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' });
    await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' });
    const closed = await c.ok(tokens.s2!, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ machineVersion: currentMachineVersion, status: 'closed', closureReason: 'agreement_fulfilled' });
    expect((await app.services.store.verifyChain()).ok).toBe(true);
  });

  it('moves nothing a second time', async () => {
    expect(await app.services.migration.migrateAll({ dryRun: false })).toEqual({ toVersion: currentMachineVersion, moved: [], stayed: [] });
  });
});
