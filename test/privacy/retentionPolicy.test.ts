import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { withApp } from '../support/harness.js';
import { caseRow, declinedReferral, plant, victimDeclinedCase, victimInvitedThenIneligible } from './retentionSteps.js';

/**
 * The retention periods as shipped (RETENTION_AFTER_CLOSURE P7Y, RETENTION_DECLINED P1Y), over the
 * real app with its default configuration: which period each way of closing gets, on the calendar
 * (leap days included), and the sweep taking each case at its own date and not a minute before.
 */

describe('the retention periods as shipped', () => {
  const env = withApp();

  it('are seven years after closure and one year for a declined referral, and a bad duration is refused at start', () => {
    expect(loadConfig({ DATABASE_PATH: '/tmp/x.sqlite' }).retentionPolicy).toEqual({ afterClosure: 'P7Y', declined: 'P1Y' });
    expect(loadConfig({ DATABASE_PATH: '/tmp/x.sqlite', RETENTION_AFTER_CLOSURE: 'P6Y6M', RETENTION_DECLINED: 'P90D' }).retentionPolicy).toEqual({ afterClosure: 'P6Y6M', declined: 'P90D' });
    expect(() => loadConfig({ DATABASE_PATH: '/tmp/x.sqlite', RETENTION_AFTER_CLOSURE: 'seven years' })).toThrow(/RETENTION_AFTER_CLOSURE/);
    expect(() => loadConfig({ DATABASE_PATH: '/tmp/x.sqlite', RETENTION_DECLINED: '' })).toThrow(/RETENTION_DECLINED/);
  });

  it('dates a completed or victim-closed case seven years on, a declined or ineligible referral one year on, and anonymises each at its date', async () => {
    const { app } = env;
    const closedAt = app.clock().toISOString();
    expect(closedAt).toBe('2026-11-23T09:00:00.000Z');
    const victimClosed = await victimDeclinedCase(env, plant('Vic', '711'));
    const declined = await declinedReferral(env, plant('Dec', '712'));
    const ineligible = await victimInvitedThenIneligible(env, plant('Ine', '713'));
    // Seven calendar years, over the leap days of 2028 and 2032; one calendar year.
    expect(caseRow(app.dbPath, victimClosed.id)).toEqual({ closed_at: closedAt, retain_until: '2033-11-23T09:00:00.000Z', anonymised_at: null });
    expect(caseRow(app.dbPath, declined.id).retain_until).toBe('2027-11-23T09:00:00.000Z');
    expect(caseRow(app.dbPath, ineligible.id).retain_until).toBe('2027-11-23T09:00:00.000Z');

    app.clock.set('2027-11-23T09:00:00.000Z');
    expect(await app.services.privacy.sweep()).toEqual({ dated: 0, anonymised: [] });
    app.clock.set('2027-11-23T09:01:00.000Z');
    expect((await app.services.privacy.sweep()).anonymised.sort()).toEqual([declined.id, ineligible.id].sort());
    app.clock.set('2033-11-23T09:00:00.000Z');
    expect(await app.services.privacy.sweep()).toEqual({ dated: 0, anonymised: [] });
    app.clock.set('2033-11-23T09:01:00.000Z');
    expect(await app.services.privacy.sweep()).toEqual({ dated: 0, anonymised: [victimClosed.id] });
    expect(caseRow(app.dbPath, victimClosed.id).anonymised_at).toBe('2033-11-23T09:01:00.000Z');
    expect(await app.services.store.verifyChain()).toMatchObject({ ok: true });
  });
});
