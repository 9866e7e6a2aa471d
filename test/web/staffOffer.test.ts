import { beforeAll, describe, expect, it } from 'vitest';
import { stages } from '../../machines/case/context.js';
import { specialisms } from '../../machines/case/context.v2.js';
import { currentMachineVersion, type CaseSnapshot } from '../../machines/case/index.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { actors } from '../machines/caseFixtures.js';
import { explorationsOf, sampledStates } from '../machines/model.js';
import { withApp } from '../support/harness.js';
import { storeCaseIn } from '../support/storedCase.js';
import { offered, password, staffBrowser, type StaffBrowser } from './staffBrowser.js';

/**
 * The case page offers exactly what the chart allows: a case in every state the
 * model paths of the current machine reach, put straight into the database, shows each
 * member of staff on it the same events as the API's `allowedEvents` for them.
 * The model's actors (f1, f2, s1, s2) are users here with the same ids, so the
 * guards that compare people (assessor, closure requester, allocation) read the same.
 */
describe('the case page offers what the chart allows, in every state the model reaches', () => {
  const env = withApp();
  const people = [actors.facilitator, actors.coFacilitator, actors.supervisor, actors.closureApprover];
  const browsers: Record<string, StaffBrowser> = {};
  const tokens: Record<string, string> = {};
  const built: { id: string; snapshot: CaseSnapshot }[] = [];

  beforeAll(async () => {
    // The exploration holds this process (and the app in it) for a while: done before any request, so no
    // connection of the browsers sits idle through it and is closed under them as it ends.
    const snapshots = sampledStates(explorationsOf(currentMachineVersion));
    const { store, users, clock } = env.app.services;
    const passwordHash = await hashPassword(password);
    const at = clock().toISOString();
    for (const a of people) {
      await store.addUser({
        id: a.id,
        email: `${a.id}@model.rj.local`,
        name: `Model ${a.id}`,
        role: a.role as 'facilitator' | 'supervisor',
        passwordHash,
        // As the model's facts have it: f1 is trained for every specialism, f2 for none.
        trainedFor: a.id === 'f1' ? [...specialisms] : [],
        createdAt: at,
        disabledAt: null,
      });
    }
    await Promise.all(
      people.map(async (a) => {
        tokens[a.id] = await users.createToken(a.id);
        browsers[a.id] = staffBrowser(env.app);
        await browsers[a.id]!.signIn(`${a.id}@model.rj.local`);
      }),
    );
    for (const [i, snapshot] of snapshots.entries()) {
      const record = await storeCaseIn(store, `model-${i}`, currentMachineVersion, snapshot, at);
      built.push({ id: record.id, snapshot });
    }
  }, 120_000);

  /** Runs `check` over the cases a few at a time. */
  async function eachCase(check: (b: (typeof built)[number]) => Promise<void>) {
    for (let i = 0; i < built.length; i += 8) await Promise.all(built.slice(i, i + 8).map(check));
  }

  it('built a case in every state the model reaches, at every stage, open, paused, closing and closed', () => {
    expect(built.length).toBeGreaterThan(100);
    expect(new Set(built.map((b) => b.snapshot.context.stage))).toEqual(new Set(stages));
    for (const state of ['paused', 'closing'] as const) expect(built.some((b) => b.snapshot.matches(state)), state).toBe(true);
    expect(built.some((b) => b.snapshot.status === 'done')).toBe(true);
  });

  it('offers each facilitator on the case and each supervisor exactly the API allowedEvents, each linking to its form', async () => {
    let compared = 0;
    let offeredSomething = 0;
    await eachCase(async ({ id, snapshot }) => {
      const who = people.filter((a) => a.role === 'supervisor' || snapshot.context.facilitatorIds.includes(a.id));
      for (const a of who) {
        const [page, api] = await Promise.all([browsers[a.id]!.get(`/cases/${id}`), env.app.request('GET', `/api/cases/${id}`, { token: tokens[a.id]! })]);
        const where = `${id} ${JSON.stringify(snapshot.value)} for ${a.id}`;
        expect(page.status, where).toBe(200);
        expect(api.status, where).toBe(200);
        expect(offered(page), where).toEqual([...(api.body.case.allowedEvents as string[])].sort());
        page.$('[data-offer] a[data-event]').each((_, link) => void expect(page.$(link).attr('href'), where).toBe(`/cases/${id}/events/${page.$(link).attr('data-event')}`));
        compared++;
        if (offered(page).length) offeredSomething++;
      }
    });
    expect(compared).toBeGreaterThan(built.length * 2);
    expect(offeredSomething).toBeGreaterThan(compared / 2);
  });

  it('shows a facilitator who is not on the case neither the case nor its offer', async () => {
    let checked = 0;
    await eachCase(async ({ id, snapshot }) => {
      for (const a of people.filter((p) => p.role === 'facilitator' && !snapshot.context.facilitatorIds.includes(p.id))) {
        const [page, api] = await Promise.all([browsers[a.id]!.get(`/cases/${id}`), env.app.request('GET', `/api/cases/${id}`, { token: tokens[a.id]! })]);
        expect(page.status, `${id} for ${a.id}`).toBe(404);
        expect(offered(page)).toEqual([]);
        expect(api.status).toBe(404);
        checked++;
      }
    });
    expect(checked).toBeGreaterThanOrEqual(built.length);
  });
});
