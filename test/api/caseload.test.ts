import { describe, expect, it } from 'vitest';
import { sampleReferral, withApp } from '../support/harness.js';

describe('caseload pages', () => {
  const env = withApp();

  it('pages newest first, filters by stage, and shows a facilitator only their own cases', async () => {
    const { app, staff } = env;
    const created: string[] = [];
    for (let i = 0; i < 55; i++) {
      app.clock.advance(60_000);
      const r = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() });
      created.push(r.body.case.id);
    }
    // Every third case is allocated to the facilitator; allocation moves it to consent.
    const allocated = created.filter((_, i) => i % 3 === 0);
    for (const id of allocated) {
      const r = await app.request('POST', `/api/cases/${id}/events`, {
        token: staff.supervisor.token,
        body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] },
      });
      expect(r.status).toBe(200);
    }
    const ids = (body: { cases: { id: string }[] }) => body.cases.map((c) => c.id);
    const newestFirst = [...created].reverse();

    const page1 = await app.request('GET', '/api/cases', { token: staff.supervisor.token });
    const page2 = await app.request('GET', '/api/cases?page=2', { token: staff.supervisor.token });
    expect([page1.body.total, page1.body.page, page2.body.page]).toEqual([55, 1, 2]);
    expect([...ids(page1.body), ...ids(page2.body)]).toEqual(newestFirst);

    const referrals = await app.request('GET', '/api/cases?stage=referral', { token: staff.supervisor.token });
    expect(referrals.body.total).toBe(55 - allocated.length);
    expect(ids(referrals.body)).toEqual(newestFirst.filter((id) => !allocated.includes(id)));

    const mine = await app.request('GET', '/api/cases', { token: staff.facilitator.token });
    expect(mine.body.total).toBe(allocated.length);
    expect(ids(mine.body)).toEqual([...allocated].reverse());
    const mineInConsent = await app.request('GET', '/api/cases?stage=consent', { token: staff.facilitator.token });
    expect(ids(mineInConsent.body)).toEqual([...allocated].reverse());
    const theirs = await app.request('GET', '/api/cases', { token: staff.facilitator2.token });
    expect(theirs.body).toMatchObject({ cases: [], total: 0 });
  });
});
