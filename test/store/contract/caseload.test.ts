import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { sampleReferral, testClock } from '../../support/harness.js';
import { addCaseStaff, engineOver, openCase } from './casework.js';
import { forEachStore } from './stores.js';

const at = { now: '2026-11-23T12:00:00.000Z', today: '2026-11-23', stalledBefore: '2026-11-01T00:00:00.000Z' };

forEachStore('caseloads, the dashboard, supervision and pruning', (env) => {
  const facilitators: string[] = [];
  const ids: string[] = [];
  let supervisor: { id: string };

  beforeAll(async () => {
    const staff = await addCaseStaff(env.store, { supervisor: 'Sam', facilitator: 'Fay' });
    supervisor = staff.supervisor;
    const ann = (await addCaseStaff(env.store, { supervisor: 'Sue', facilitator: 'Ann' })).facilitator;
    facilitators.push(staff.facilitator.id, ann.id);
    const clock = testClock();
    const engine = engineOver(env.store, clock);
    // Three cases a minute apart: the first two allocated to Fay, the third left in referral.
    for (let i = 0; i < 3; i++) {
      if (i < 2) ids.push((await openCase(env.store, staff, engine)).id);
      else {
        const created = await engine.createCase(sampleReferral(), staff.supervisor);
        if (created.kind !== 'ok') throw new Error(JSON.stringify(created));
        ids.push(created.value.id);
      }
      clock.advance(60_000);
    }
  });

  it('pages cases newest, oldest or last changed first, with the total', async () => {
    const newest = await env.store.listCases({ limit: 2, offset: 0 });
    expect(newest.total).toBe(3);
    expect(newest.cases.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect((await env.store.listCases({ limit: 2, offset: 2 })).cases.map((c) => c.id)).toEqual([ids[0]]);
    expect((await env.store.listCases({ sort: 'oldest', limit: 10, offset: 0 })).cases.map((c) => c.id)).toEqual(ids);
    expect((await env.store.listCases({ sort: 'updated', limit: 1, offset: 0 })).cases[0]?.id).toBe(ids[2]);
  });

  it("filters by facilitator, stage, reference prefix and dashboard list, and counts each as listed", async () => {
    const fay = await env.store.listCases({ facilitatorId: facilitators[0]!, limit: 10, offset: 0 });
    expect(fay).toMatchObject({ total: 2 });
    expect(fay.cases.map((c) => c.id)).toEqual([ids[1], ids[0]]);
    expect((await env.store.listCases({ facilitatorId: facilitators[1]!, limit: 10, offset: 0 })).total).toBe(0);
    expect((await env.store.listCases({ stage: 'referral', limit: 10, offset: 0 })).cases.map((c) => c.id)).toEqual([ids[2]]);
    const reference = (await env.store.caseById(ids[1]!))!.reference;
    expect((await env.store.listCases({ referencePrefix: reference, limit: 10, offset: 0 })).cases.map((c) => c.id)).toEqual([ids[1]]);
    expect((await env.store.listCases({ referencePrefix: 'RJ-2026-', limit: 10, offset: 0 })).total).toBe(3);
    // LIKE and GLOB characters in a prefix match only themselves.
    expect((await env.store.listCases({ referencePrefix: 'RJ-2026-%', limit: 10, offset: 0 })).total).toBe(0);
    expect((await env.store.listCases({ referencePrefix: 'RJ-2026-*', limit: 10, offset: 0 })).total).toBe(0);
    const referrals = await env.store.listCases({ queue: { name: 'referrals', ...at }, limit: 10, offset: 0 });
    expect(referrals).toMatchObject({ total: 1 });
    expect(referrals.cases.map((c) => c.id)).toEqual([ids[2]]);
    expect(await env.store.dashboardCounts(at)).toEqual({
      referrals: 1, riskApprovals: 0, closureSignOffs: 0, clocksOverdue: expect.any(Number), itemsOverdue: 0, undeliverable: 0, stalled: 0, pausedPastEnd: 0,
    });
  });

  it("keeps each facilitator's open cases by stage, and their latest supervision", async () => {
    const caseloads = await env.store.facilitatorCaseloads();
    expect(caseloads.map((c) => c.name)).toEqual(['Ann', 'Fay']);
    expect(caseloads[0]!.byStage).toEqual({});
    expect(Object.values(caseloads[1]!.byStage).reduce((a, b) => a + b, 0)).toBe(2);
    const session = (heldOn: string) => ({ id: randomUUID(), facilitatorId: facilitators[0]!, heldOn, note: 'caseload review', recordedBy: supervisor.id, recordedAt: at.now });
    await env.store.addSupervision(session('2026-10-01'));
    await env.store.addSupervision(session('2026-11-20'));
    expect(await env.store.lastSupervisions()).toEqual({ [facilitators[0]!]: '2026-11-20' });
  });

  it('prunes idempotency rows and sessions past their time, and nothing else', async () => {
    const userId = facilitators[0]!;
    const staff = (expiresAt: string) => ({ tokenHash: randomUUID(), userId, stage: 'complete' as const, userAgent: null, csrfToken: 'c', createdAt: at.now, lastSeenAt: at.now, expiresAt });
    await env.store.openStaffSession(staff('2026-11-23T13:00:00.000Z'));
    await env.store.openStaffSession(staff('2026-11-24T13:00:00.000Z'));
    const pruned = await env.store.pruneExpired({ keysBefore: '2026-11-01T00:00:00.000Z', sessionsBefore: '2026-11-23T14:00:00.000Z' });
    expect(pruned).toEqual({ idempotencyKeys: 0, partySessions: 0, staffSessions: 1 });
    expect((await env.store.staffSessionsOf(userId, at.now)).length).toBe(1);
  });
});
