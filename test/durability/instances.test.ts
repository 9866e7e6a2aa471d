import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInSession } from '../support/cheapStaff.js';
import { addStaff, openCase, type Staff } from '../support/harness.js';
import { startPgApps } from '../support/pgApps.js';

/**
 * Three app instances on one PostgreSQL database, as behind a load balancer: whichever instance a request
 * reaches, it sees the same cases, sessions and versions. (SQLite allows one instance per file:
 * test/cli/operations.test.ts.)
 */
describe('three app instances on one PostgreSQL database', () => {
  let cluster: Awaited<ReturnType<typeof startPgApps>>;
  let staff: Staff;
  beforeAll(async () => {
    cluster = await startPgApps(3);
    staff = await addStaff(cluster.apps[0]!.services);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('20 events racing with one If-Match, spread over the instances: exactly one wins, the others get 409 and change nothing', async () => {
    const [a] = cluster.apps;
    const id = await openCase(a!, staff);
    const version = (await a!.request('GET', `/api/cases/${id}`, { token: staff.facilitator.token })).body.case.version as number;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        cluster.apps[i % 3]!.request('POST', `/api/cases/${id}/events`, { token: staff.facilitator.token, headers: { 'if-match': `"${version}"` }, body: { type: 'INVITE_VICTIM' } }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(409)]);
    const views = await Promise.all(cluster.apps.map((app) => app.request('GET', `/api/cases/${id}`, { token: staff.facilitator.token })));
    expect(views.map((v) => v.body.case.version)).toEqual([version + 1, version + 1, version + 1]);
    const history = await cluster.apps[2]!.request('GET', `/api/cases/${id}/history`, { token: staff.supervisor.token });
    expect(history.body.events.filter((e: { type: string }) => e.type === 'INVITE_VICTIM')).toHaveLength(1);
  });

  it('a staff session signed in on one instance works on the others, and signing out on one ends it on all', async () => {
    const { cookie, csrf } = await signInSession(cluster.apps[0]!, staff.facilitator.email, '127.0.0.1', 'correct horse battery staple');
    for (const app of cluster.apps) {
      const page = await fetch(`${app.baseUrl}/cases`, { redirect: 'manual', headers: { cookie } });
      expect(page.status).toBe(200);
    }
    const out = await fetch(`${cluster.apps[1]!.baseUrl}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(out.status).toBe(303);
    for (const app of cluster.apps) {
      const page = await fetch(`${app.baseUrl}/cases`, { redirect: 'manual', headers: { cookie } });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toMatch(/^\/sign-in/);
    }
  });

  it("a party page's limit of 60 requests a minute counts one client's requests through every instance once", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 63; i++) statuses.push((await fetch(`${cluster.apps[i % 3]!.baseUrl}/respond/no-such-link`)).status);
    expect(statuses.slice(0, 60).filter((s) => s === 429)).toEqual([]);
    expect(statuses.slice(60)).toEqual([429, 429, 429]);
  });

  it('the chain verifies as one sequence after writes through every instance', async () => {
    const ids = await Promise.all(cluster.apps.map((app) => openCase(app, staff)));
    expect(ids).toHaveLength(3);
    expect(await cluster.apps[1]!.services.store.verifyChain()).toMatchObject({ ok: true });
  });
});
