import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../machines/case/events.js';
import { allowedEvents, currentMachineVersion, migrateCase, persistCase, restoreCase, type CaseSnapshot } from '../../machines/case/index.js';
import { stateString } from '../../src/cases/caseView.js';
import { caseClient } from '../api/apiSteps.js';
import { actors } from '../machines/caseFixtures.js';
import { explorationsOf, sampledStates, stateKey } from '../machines/model.js';
import { storeCaseIn } from '../support/storedCase.js';
import { days, sampleReferral, startApp, tempDir, type TestApp } from '../support/harness.js';

/**
 * Cases in flight on machine v1, one in every state v1's model paths reach,
 * moved to v2 through the engine's migration: each lands in the same state,
 * offers what v2 offers there, shows the move in its history, and the chain
 * still verifies. Closed cases stay on v1 and still read as before.
 */
describe('moving cases in flight from machine v1 to v2', () => {
  const tmp = tempDir();
  let app: TestApp;
  const tokens: Record<string, string> = {};
  const built: { id: string; v1: CaseSnapshot }[] = [];

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
    const snapshots = sampledStates(explorationsOf(1));
    for (const [i, v1] of snapshots.entries()) {
      const referral = sampleReferral({ flags: v1.context.flags, victim: { name: 'Vera Victim', email: `vera${i}@example.org` } });
      const record = await storeCaseIn(store, `case-${i}`, 1, v1, at, referral);
      built.push({ id: record.id, v1 });
    }
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  const active = () => built.filter((b) => b.v1.status !== 'done');
  // In-process, as the API reads it: hundreds of cases over HTTP would only slow the test.
  const viewOf = async (id: string, actor: Actor = actors.closureApprover) =>
    (await app.services.engine.view(id, { kind: 'user', id: actor.id!, role: actor.role }))!;

  it('built a case on v1 in every state the model reaches, open and closed', () => {
    expect(active().length).toBeGreaterThan(100);
    expect(built.length - active().length).toBeGreaterThan(0);
  });

  it('a dry run lists every case in flight and changes nothing', async () => {
    const report = await app.services.migration.migrateAll({ dryRun: true });
    expect(report.moved.map((m) => m.caseId).sort()).toEqual(active().map((b) => b.id).sort());
    expect(report.stayed).toEqual([]);
    for (const { id } of built) expect((await app.services.store.caseById(id))!).toMatchObject({ machineVersion: 1, version: 1 });
  });

  it('moves every case in flight to v2 in the same state and stage, with the move in its history; closed cases stay on v1', async () => {
    const report = await app.services.migration.migrateAll({ dryRun: false });
    expect(report.moved).toHaveLength(active().length);
    for (const { id, v1 } of built) {
      const view = await viewOf(id);
      const history = await app.services.store.history(id);
      if (v1.status === 'done') {
        expect(view).toMatchObject({ machineVersion: 1, status: 'closed', allowedEvents: [] });
        expect(history).toHaveLength(1);
        continue;
      }
      expect(view, id).toMatchObject({ machineVersion: currentMachineVersion, version: 2, stage: v1.context.stage, state: v1.value });
      expect(history.at(-1)).toMatchObject({
        type: 'MACHINE_MIGRATED',
        actor: { kind: 'system' },
        from: stateString(v1.value),
        to: stateString(v1.value),
        data: { fromVersion: 1, toVersion: 2 },
      });
    }
    expect(await app.services.store.verifyChain()).toEqual({ ok: true, events: built.length + active().length });
  });

  it('offers, in each migrated case, what v2 offers a case of its own in that state', async () => {
    // A v2 case reached natively, keyed as the model keys states.
    const twins = new Map(explorationsOf(2).flatMap((e) => e.nodes.map((s) => [stateKey(s), s] as const)));
    const now = app.clock().toISOString();
    let twinned = 0;
    for (const { id, v1 } of active()) {
      const migrated = migrateCase(1, persistCase(1, v1));
      if (!migrated.ok) throw new Error(`${id} did not migrate`);
      const v2 = restoreCase(2, migrated.persisted);
      const twin = twins.get(stateKey(v2));
      if (twin) twinned++;
      for (const actor of staff.filter((a) => a.role === 'supervisor' || v1.context.facilitatorIds.includes(a.id!))) {
        const offered = (await viewOf(id, actor)).allowedEvents;
        expect(offered, `${id} for ${actor.id}`).toEqual(allowedEvents(v2, actor, now));
        if (twin) expect(offered, `${id} (${JSON.stringify(v1.value)}) for ${actor.id}, against a native v2 case`).toEqual(allowedEvents(twin, actor, now));
      }
    }
    expect(twinned / active().length).toBeGreaterThan(0.8);
  });

  it('holds the timers of a migrated case waiting for closure sign-off, as v2 does', async () => {
    const closing = active().filter((b) => b.v1.matches('closing'));
    expect(closing.length).toBeGreaterThan(0);
    for (const { id } of closing) expect((await app.services.store.caseById(id))!.clocks).toBe('held');
  });

  it('reads a migrated case over the API as v2, its move in the history', async () => {
    const { id } = active()[0]!;
    const view = await app.request('GET', `/api/cases/${id}`, { token: tokens.s2! });
    expect(view.body.case).toMatchObject({ machineVersion: 2, version: 2 });
    const history = await app.request('GET', `/api/cases/${id}/history`, { token: tokens.s2! });
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['REFERRAL_RECEIVED', 'MACHINE_MIGRATED']);
  });

  it('runs a migrated case to closure on v2', async () => {
    const invited = active().find((b) => JSON.stringify(b.v1.value) === JSON.stringify({ open: { consent: { victim: 'invited', offender: 'notContacted' } } }) && !b.v1.context.flags.domesticAbuse);
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
    expect(closed).toMatchObject({ machineVersion: 2, status: 'closed', closureReason: 'agreement_fulfilled' });
    expect((await app.services.store.verifyChain()).ok).toBe(true);
  });

  it('moves nothing a second time', async () => {
    expect(await app.services.migration.migrateAll({ dryRun: false })).toEqual({ toVersion: 2, moved: [], stayed: [] });
  });
});
