import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseClient, consentBoth, lowRisk, prepareBoth } from '../api/apiSteps.js';
import { runCli } from '../cli/runCli.js';
import { addStaff, openCase, startApp, tempDir, testClock, type Staff, type TestApp } from '../support/harness.js';
import { freshPgDatabase } from '../support/pgDatabase.js';

/**
 * `migrate-store` moves a SQLite database with cases in every stage into an empty PostgreSQL one: the chain
 * verifies before and after, every read through the API is the same on both, and the moved service goes on
 * working (its links answer, as the link secret moves with it). A target that holds data is refused.
 */
describe('migrate-store: SQLite to PostgreSQL', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'rj.sqlite');
  const clock = testClock('2026-11-23T09:00:00Z');
  let target: Awaited<ReturnType<typeof freshPgDatabase>>;
  let staff: Staff;
  const ids: Record<string, string> = {};
  let sqliteApp: TestApp | undefined;

  beforeAll(async () => {
    target = await freshPgDatabase();
    const app = await startApp(dbPath, clock);
    staff = await addStaff(app.services);
    const f = staff.facilitator.token;
    const s = staff.supervisor.token;
    const created = await app.request('POST', '/api/cases', { token: s, body: (await import('../support/harness.js')).sampleReferral() });
    ids.referral = created.body.case.id;
    ids.consent = await openCase(app, staff);
    await caseClient(app, ids.consent).ok(f, { type: 'INVITE_VICTIM' });
    ids.riskAssessment = await openCase(app, staff);
    await consentBoth(caseClient(app, ids.riskAssessment), f);
    ids.preparation = await openCase(app, staff);
    await consentBoth(caseClient(app, ids.preparation), f);
    await lowRisk(caseClient(app, ids.preparation), f);
    for (const stage of ['conference', 'followUp', 'closed'] as const) {
      const c = caseClient(app, (ids[stage] = await openCase(app, staff)));
      await consentBoth(c, f);
      await lowRisk(c, f);
      await prepareBoth(c, f);
      await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
      await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-11-30T10:00:00Z', venue: 'Town hall' });
    }
    clock.set('2026-11-30T12:00:00Z');
    for (const stage of ['followUp', 'closed'] as const) {
      await caseClient(app, ids[stage]!).ok(f, { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: '2026-12-20' }] });
    }
    const closing = caseClient(app, ids.closed!);
    await closing.ok(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' });
    await closing.ok(f, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' });
    await closing.ok(s, { type: 'APPROVE_CLOSURE' });
    // Personal data erased on request, and a legal hold: both records move too.
    expect((await app.request('POST', `/api/cases/${ids.riskAssessment}/erasure`, { token: s, body: { party: 'victim', basis: 'erasure_request' } })).status).toBe(200);
    expect((await app.request('PUT', `/api/cases/${ids.closed}/legal-hold`, { token: s, body: { reason: 'Civil claim pending' } })).status).toBe(200);
    await app.services.outbox.deliverDue();
    await app.stop();
  }, 120_000);
  afterAll(async () => {
    await sqliteApp?.stop();
    await target?.drop();
    tmp.remove();
  });

  /** Every read the API gives of every case, from one app. */
  async function reads(app: TestApp) {
    const out: Record<string, unknown> = {};
    for (const [stage, id] of Object.entries(ids)) {
      out[stage] = {
        case: (await app.request('GET', `/api/cases/${id}`, { token: staff.supervisor.token })).body,
        history: (await app.request('GET', `/api/cases/${id}/history`, { token: staff.supervisor.token })).body,
      };
    }
    out.list = (await app.request('GET', '/api/cases', { token: staff.supervisor.token })).body;
    return out;
  }

  it('copies everything, verifies the chain on both sides, and every API read is the same after', async () => {
    const moved = await runCli(['migrate-store', '--from', dbPath, '--to', target.url], { databasePath: dbPath });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.lastLine).toMatch(/^copied .* to PostgreSQL at 127\.0\.0\.1:\d+\/rj_test_\w+: its history chain verifies on both sides \(\d+ events\)$/);
    expect(moved.stdout).toMatch(/^history: \d+ rows$/m);
    expect(moved.stdout).not.toContain(target.url.split('@')[0]!.split(':')[2]!);

    sqliteApp = await startApp(dbPath, clock);
    const before = await reads(sqliteApp);
    expect(Object.values(ids).length).toBe(7);
    expect((before.list as { total: number }).total).toBe(7);
    const linkSecret = readFileSync(join(tmp.dir, 'link-secret'), 'utf8').trim();
    const totpKey = readFileSync(join(tmp.dir, 'totp-key'), 'utf8').trim();
    const pgApp = await startApp(join(tmp.dir, 'pg', 'unused.sqlite'), clock, { DATABASE_URL: target.url, LINK_SECRET: linkSecret, TOTP_KEY: totpKey });
    try {
      expect(await reads(pgApp)).toEqual(before);
      expect(await pgApp.services.store.verifyChain()).toEqual(await sqliteApp.services.store.verifyChain());
      // The moved service goes on: a new case takes the next reference, and an event commits on a moved case.
      const next = await openCase(pgApp, staff);
      const refs = [(await pgApp.request('GET', `/api/cases/${next}`, { token: staff.supervisor.token })).body.case.reference, (before.list as { cases: { reference: string }[] }).cases.map((c) => c.reference)];
      expect(refs[1]).not.toContain(refs[0]);
      await caseClient(pgApp, ids.consent!).ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes' });
      expect(await pgApp.services.store.verifyChain()).toMatchObject({ ok: true });
    } finally {
      await pgApp.stop();
    }
  }, 120_000);

  it('refuses a target that already holds data, and changes nothing there', async () => {
    const again = await runCli(['migrate-store', '--from', dbPath, '--to', target.url], { databasePath: dbPath });
    expect([again.code, again.stderr]).toEqual([3, expect.stringContaining('already holds data')]);
  });
});
