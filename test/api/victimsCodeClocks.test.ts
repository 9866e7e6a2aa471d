import { describe, expect, it } from 'vitest';
import { days, openCase, sampleReferral, withApp } from '../support/harness.js';
import { caseClient } from './apiSteps.js';

const clock = (c: { clocks: { key: string; status: string }[] }, key: string) => c.clocks.find((k) => k.key === key);

describe("Victims' Code clocks on the case", () => {
  const env = withApp();

  it('run from the referral, go overdue in working days, and are met late by the invitation', async () => {
    const { app, staff } = env;
    app.clock.set('2026-11-23T09:00:00Z'); // a Monday
    const id = await openCase(app, staff);
    const c = caseClient(app, id);

    const fresh = await c.get(staff.facilitator.token);
    expect(clock(fresh, 'victimContacted')).toMatchObject({ status: 'running', dueBy: '2026-11-25T23:59:59.999Z', metAt: null });
    expect(clock(fresh, 'rjInformationOffered')).toMatchObject({ status: 'running', dueBy: '2026-11-30T23:59:59.999Z' });

    app.clock.advance(days(3)); // Thursday
    const late = await c.get(staff.facilitator.token);
    expect(clock(late, 'victimContacted')!.status).toBe('overdue');
    expect(clock(late, 'rjInformationOffered')!.status).toBe('running');

    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const met = await c.get(staff.facilitator.token);
    expect(clock(met, 'victimContacted')).toMatchObject({ status: 'met_late', metAt: '2026-11-26T09:00:00.000Z' });
    expect(clock(met, 'rjInformationOffered')!.status).toBe('met');
  });

  it('gives victims with enhanced rights one working day for information about RJ', async () => {
    const { app, staff } = env;
    app.clock.set('2026-12-24T09:00:00Z'); // Christmas Eve: the next working day is the 29th
    const id = await openCase(app, staff, sampleReferral({ flags: { vulnerableVictim: true } }));
    const c = await caseClient(app, id).get(staff.supervisor.token);
    expect(clock(c, 'rjInformationOffered')).toMatchObject({ workingDays: 1, dueBy: '2026-12-29T23:59:59.999Z' });
  });
});
