import { expect, it } from 'vitest';
import { erasedText } from '../../../machines/case/personalContent.js';
import { sampleReferral, testClock } from '../../support/harness.js';
import { addCaseStaff, engineOver, openCase } from './casework.js';
import { forEachStore } from './stores.js';

/** Erasure, legal holds, retention and the commissioner's figures: one transaction each, with the entry that records it. */
forEachStore('privacy and reports', (env) => {
  const clock = testClock('2026-11-23T09:00:00Z');
  const system = { kind: 'system', role: 'system' } as const;

  async function answeredCase() {
    const staff = await addCaseStaff(env.store);
    const engine = engineOver(env.store, clock);
    const c = await openCase(env.store, staff, engine);
    const step = async (body: Record<string, unknown>) => expect((await engine.submit({ caseId: c.id, caller: staff.facilitator, body })).kind).toBe('ok');
    await step({ type: 'INVITE_VICTIM' });
    await step({ type: 'VICTIM_RESPONDED', response: 'yes', accessNeeds: 'Step-free access, please; I use a wheelchair' });
    await step({ type: 'RECORD_OFFENDER_RESPONSE', response: 'willing', note: 'Spoke to him at home on Tuesday' });
    return { ...c, staff, engine };
  }

  it("erases the victim's content, their referral details and their notices' bodies, in one entry; the chain still verifies", async () => {
    const c = await answeredCase();
    const before = (await env.store.caseById(c.id))!;
    const result = await env.store.erasePersonalData({ caseId: c.id, party: 'victim', basis: 'erasure_request', actor: system, at: clock().toISOString() });
    const history = await env.store.history(c.id);
    const answered = history.find((h) => h.type === 'VICTIM_RESPONDED')!;
    expect(result!.erasedSeqs).toContain(answered.seq);
    expect(answered.erased).toEqual({ at: clock().toISOString(), reason: 'erasure_request' });
    expect(answered.data).not.toHaveProperty('accessNeeds');
    // The offender's own entry is not the victim's.
    expect(history.find((h) => h.type === 'RECORD_OFFENDER_RESPONSE')!.erased).toBeUndefined();
    expect(history.at(-1)).toMatchObject({ type: 'PERSONAL_DATA_ERASED', data: { party: 'victim', basis: 'erasure_request', erasedSeqs: result!.erasedSeqs } });
    const after = (await env.store.caseById(c.id))!;
    expect(after.version).toBe(before.version + 1);
    expect((after.referral.victim as { name: string }).name).toBe(erasedText);
    const toVictim = (await env.store.notices(c.id)).filter((n) => n.recipient === 'victim');
    expect(toVictim.length).toBeGreaterThan(0);
    expect(toVictim.every((n) => JSON.stringify(n.data) === '{}')).toBe(true);
    expect(await env.store.verifyChain()).toMatchObject({ ok: true });
    expect(await env.store.brokenEntries(c.id)).toEqual([]);
    expect(await env.store.erasePersonalData({ caseId: 'no-such-case', party: 'all', basis: 'erasure_request', actor: system, at: clock().toISOString() })).toBeUndefined();
  });

  it('places a legal hold once and lifts it once, each with its history entry; retention runs by the hold', async () => {
    const staff = await addCaseStaff(env.store);
    const engine = engineOver(env.store, clock);
    const created = await engine.createCase(sampleReferral(), staff.supervisor);
    if (created.kind !== 'ok') throw new Error('not created');
    const id = created.value.id;
    expect((await engine.submit({ caseId: id, caller: staff.supervisor, body: { type: 'DECLINE_REFERRAL', reason: 'ineligible_referral' } })).kind).toBe('ok');
    // Closing set its date already, so there is none left to assign.
    expect(await env.store.assignRetention(() => '2027-06-01T00:00:00.000Z')).toBe(0);
    expect(await env.store.retention(id)).toMatchObject({ caseId: id, closureReason: 'ineligible_referral', retainUntil: expect.stringMatching(/^20\d\d-/), anonymisedAt: null, hold: null });

    const hold = { reason: 'Civil claim pending', actor: staff.supervisor, at: clock().toISOString() };
    expect(await env.store.setHold(id, { ...hold, place: true })).toBe(true);
    expect(await env.store.setHold(id, { ...hold, place: true })).toBe(false);
    expect((await env.store.retention(id))!.hold).toEqual({ reason: 'Civil claim pending', placedBy: staff.supervisor.id, placedAt: hold.at });
    const due = (held?: boolean) => env.store.retentionDue('2100-01-01T00:00:00.000Z', held === undefined ? {} : { held }).then((r) => r.map((x) => x.caseId));
    expect(await due(true)).toContain(id);
    expect(await due(false)).not.toContain(id);
    expect(await env.store.setHold(id, { ...hold, place: false })).toBe(true);
    expect(await env.store.setHold(id, { ...hold, place: false })).toBe(false);
    expect(await due(false)).toContain(id);
    expect((await env.store.history(id)).map((h) => h.type).slice(-2)).toEqual(['LEGAL_HOLD_PLACED', 'LEGAL_HOLD_LIFTED']);

    await env.store.markAnonymised(id, clock().toISOString());
    expect(await due()).not.toContain(id);
    await env.store.purgeFreedPages();
    expect(await env.store.verifyChain()).toMatchObject({ ok: true });
  });

  it("counts the period's cases for the commissioner, by case, the same on both stores", async () => {
    const figures = await env.store.reportFigures({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', now: clock().toISOString() });
    // The two cases above: one answered by both parties, one declined.
    expect(figures.funnel).toEqual({ referred: 2, contacted: 1, consented: 1, meetingHeld: 0, agreementMade: 0, agreementCompleted: 0 });
    expect(figures.closures).toEqual([{ reason: 'ineligible_referral', cases: 1 }]);
    expect(figures.agencies).toEqual([{ agency: expect.any(String), cases: 2 }]);
    expect(figures.stageTimes.map((s) => s.stage)).toContain('referral');
    const empty = await env.store.reportFigures({ from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z', now: clock().toISOString() });
    expect(empty.funnel.referred).toBe(0);
  });
});
