import { describe, expect, it } from 'vitest';
import { clockEventTypes, victimsCodeClocks, type ClockCase, type VictimsCodeClock } from '../../src/cases/victimsCodeClocks.js';
import { days, openCase, sampleReferral, withApp } from '../support/harness.js';

// A Monday referral in GMT: 2 working days end Wednesday, 5 end the next Monday, 1 ends Tuesday.
const createdAt = '2026-11-23T09:00:00.000Z';
const endOf = { tue: '2026-11-24T23:59:59.999Z', wed: '2026-11-25T23:59:59.999Z', nextMon: '2026-11-30T23:59:59.999Z' };

type Actor = ClockCase['events'][number]['actor'];
const facilitator: Actor = { kind: 'user', role: 'facilitator' };
const victimParty: Actor = { kind: 'party', role: 'victim' };
const supervisor: Actor = { kind: 'user', role: 'supervisor' };
const event = (type: string, at: string, actor = facilitator, data: Record<string, unknown> = {}) => ({ type, at, actor, data });

function clocks(input: Partial<ClockCase>, now: string): Record<string, VictimsCodeClock> {
  const all = victimsCodeClocks({ createdAt, flags: {}, events: [event('REFERRAL_RECEIVED', createdAt, supervisor)], ...input }, now);
  return Object.fromEntries(all.map((c) => [c.key, c]));
}

describe("Victims' Code clocks", () => {
  it('both run from the referral with their deadlines in working days and plain-English labels', () => {
    const c = clocks({}, '2026-11-23T10:00:00Z');
    expect(c.victimContacted).toEqual({
      key: 'victimContacted',
      label: 'Victim contacted within 2 working days of referral',
      startedAt: createdAt,
      workingDays: 2,
      dueBy: endOf.wed,
      metAt: null,
      status: 'running',
    });
    expect(c.rjInformationOffered).toMatchObject({
      label: 'Information about restorative justice given within 5 working days (1 working day for victims with enhanced rights)',
      workingDays: 5,
      dueBy: endOf.nextMon,
      status: 'running',
    });
  });

  it('are met by the first invitation, on time', () => {
    const c = clocks({ events: [event('INVITE_VICTIM', '2026-11-24T10:00:00Z'), event('VICTIM_RESPONDED', '2026-11-26T10:00:00Z', victimParty)] }, '2026-12-10T00:00:00Z');
    expect(c.victimContacted).toMatchObject({ metAt: '2026-11-24T10:00:00Z', status: 'met' });
    expect(c.rjInformationOffered).toMatchObject({ metAt: '2026-11-24T10:00:00Z', status: 'met' });
  });

  it('met on the last millisecond is met; a millisecond later is met late', () => {
    expect(clocks({ events: [event('VICTIM_RESPONDED', endOf.wed)] }, '2026-12-10T00:00:00Z').victimContacted!.status).toBe('met');
    const late = clocks({ events: [event('VICTIM_RESPONDED', '2026-11-26T00:00:00.000Z')] }, '2026-12-10T00:00:00Z');
    expect(late.victimContacted).toMatchObject({ metAt: '2026-11-26T00:00:00.000Z', status: 'met_late' });
    expect(late.rjInformationOffered!.status).toBe('met');
  });

  it('go overdue only once the deadline has passed, unmet', () => {
    expect(clocks({}, endOf.wed).victimContacted!.status).toBe('running');
    const thursday = clocks({}, '2026-11-26T00:00:00.000Z');
    expect(thursday.victimContacted!.status).toBe('overdue');
    expect(thursday.rjInformationOffered!.status).toBe('running');
    expect(clocks({}, '2026-12-01T00:00:00Z').rjInformationOffered!.status).toBe('overdue');
  });

  it('a victim withdrawing counts as contact but not as information given; an offender withdrawing is neither', () => {
    const victim = clocks({ events: [event('WITHDRAW', '2026-11-24T10:00:00Z', victimParty, { party: 'victim' })] }, '2026-12-10T00:00:00Z');
    expect(victim.victimContacted).toMatchObject({ metAt: '2026-11-24T10:00:00Z', status: 'met' });
    expect(victim.rjInformationOffered).toMatchObject({ metAt: null, status: 'overdue' });
    const offender = clocks({ events: [event('WITHDRAW', '2026-11-24T10:00:00Z', facilitator, { party: 'offender' })] }, '2026-12-10T00:00:00Z');
    expect(offender.victimContacted).toMatchObject({ metAt: null, status: 'overdue' });
  });

  it.each(['vulnerableVictim', 'domesticAbuse', 'sexualOffence', 'stalking', 'hateCrime'])(
    'a victim with enhanced rights (%s) is owed information within 1 working day',
    (flag) => {
      const c = clocks({ flags: { [flag]: true }, events: [event('INVITE_VICTIM', '2026-11-25T09:00:00Z')] }, '2026-12-10T00:00:00Z');
      expect(c.rjInformationOffered).toMatchObject({ workingDays: 1, dueBy: endOf.tue, status: 'met_late' });
      expect(c.victimContacted).toMatchObject({ workingDays: 2, status: 'met' });
    },
  );

  it('other flags do not give enhanced rights', () => {
    expect(clocks({ flags: { youth: true, domesticAbuse: false } }, createdAt).rjInformationOffered!.workingDays).toBe(5);
  });

  it('stop, not go overdue, when the referral is declined or the case closed before they were met', () => {
    const declined = clocks({ events: [event('DECLINE_REFERRAL', '2026-11-24T10:00:00Z', supervisor, { reason: 'ineligible_referral' })] }, '2026-12-10T00:00:00Z');
    expect(declined.victimContacted).toMatchObject({ metAt: null, status: 'stopped' });
    expect(declined.rjInformationOffered).toMatchObject({ metAt: null, status: 'stopped' });

    const closed = clocks({ events: [event('INVITE_VICTIM', '2026-11-27T10:00:00Z')], closedAt: '2026-11-27T12:00:00Z', flags: { stalking: true } }, '2026-12-10T00:00:00Z');
    expect(closed.victimContacted).toMatchObject({ status: 'met_late' });
    expect(closed.rjInformationOffered).toMatchObject({ status: 'met_late' });
    expect(clocks({ closedAt: '2026-11-30T12:00:00Z' }, '2026-12-10T00:00:00Z').victimContacted!.status).toBe('stopped');
  });

  it('count working days over bank holidays: a Christmas Eve referral is due the following Wednesday', () => {
    const c = clocks({ createdAt: '2026-12-24T16:00:00Z' }, '2026-12-24T17:00:00Z');
    expect(c.victimContacted!.dueBy).toBe('2026-12-30T23:59:59.999Z');
    expect(c.rjInformationOffered!.dueBy).toBe('2027-01-05T23:59:59.999Z');
  });
});

describe("Victims' Code clocks on a real case history", () => {
  const env = withApp();

  it('read the history, referral flags and creation time the store keeps', async () => {
    const { app, staff } = env;
    const caseId = await openCase(app, staff, sampleReferral({ flags: { hateCrime: true } }));
    app.clock.advance(days(2)); // Wednesday 09:00: a day late for enhanced rights, in time for contact
    const invited = await app.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body: { type: 'INVITE_VICTIM' } });
    expect(invited.status).toBe(200);

    const record = (await app.services.store.caseById(caseId))!;
    const history = await app.services.store.history(caseId);
    const c = victimsCodeClocks({ createdAt: record.createdAt, flags: record.referral.flags as ClockCase['flags'], events: history }, app.clock().toISOString());

    expect(c.map((x) => [x.key, x.status, x.metAt])).toEqual([
      ['victimContacted', 'met', '2026-11-25T09:00:00.000Z'],
      ['rjInformationOffered', 'met_late', '2026-11-25T09:00:00.000Z'],
    ]);

    // A caseload reads only the entries the clocks need, for a page of cases at once; the clocks come out the same.
    const { events } = await app.services.store.caseloadDetails([caseId], clockEventTypes);
    expect(events.map((e) => e.type)).toEqual(['INVITE_VICTIM']);
    expect(victimsCodeClocks({ createdAt: record.createdAt, flags: record.referral.flags as ClockCase['flags'], events }, app.clock().toISOString())).toEqual(c);
  });

  it('stop when a supervisor declines the referral', async () => {
    const { app, staff } = env;
    const created = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() });
    const caseId = created.body.case.id as string;
    const declined = await app.request('POST', `/api/cases/${caseId}/events`, {
      token: staff.supervisor.token,
      body: { type: 'DECLINE_REFERRAL', reason: 'duplicate_referral' },
    });
    expect(declined.status).toBe(200);
    app.clock.advance(days(10));

    const record = (await app.services.store.caseById(caseId))!;
    const c = victimsCodeClocks({ createdAt: record.createdAt, flags: {}, events: await app.services.store.history(caseId) }, app.clock().toISOString());
    expect(c.map((x) => x.status)).toEqual(['stopped', 'stopped']);
  });
});
