import { describe, expect, it } from 'vitest';
import { openCase, withApp } from '../support/harness.js';
import { linkToken, partyClient } from '../web/partySteps.js';
import { caseClient, consentBoth, lowRisk, prepareBoth } from './apiSteps.js';

/** Consent per purpose over the API: the ledger built from the history, and the rules it feeds. */
describe('the consent ledger and consent per purpose', () => {
  const env = withApp();

  it('is exactly the consent the history records, for a scripted case: who, what, when, how, on which information', async () => {
    const { app, staff } = env;
    const [f, s] = [staff.facilitator, staff.supervisor];
    const c = caseClient(app, await openCase(app, staff));
    const at = (time: string) => app.clock.set(`2026-11-24T${time}:00.000Z`);

    at('09:00');
    await c.ok(f.token, { type: 'INVITE_VICTIM' });
    at('10:00');
    const party = partyClient(app);
    const answered = await party.submit(await party.open(await linkToken(app, c.id, 'victim_invitation', 'invitation')), { response: 'yes' });
    expect(answered.status).toBe(200);
    at('11:00');
    await c.ok(f.token, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    at('12:00');
    await c.ok(f.token, { type: 'RECORD_CONSENT', party: 'victim', withdrawn: ['emailContact', 'directMeeting'], channel: 'phone', note: 'Rang the office' });
    at('13:00');
    await c.ok(s.token, { type: 'RECORD_CONSENT', party: 'offender', given: ['feedback'], withdrawn: ['phoneContact'], channel: 'in_person', informationVersion: 'rj-information-2026-11' });
    at('14:00');
    await c.ok(f.token, { type: 'RECORD_CONSENT', party: 'victim', given: ['directMeeting'], channel: 'link' });
    at('15:00');
    await c.ok(f.token, { type: 'WITHDRAW', party: 'offender', reason: 'Moving away' });

    const seqAt = new Map((await c.history(s.token)).events.map((e) => [e.at, e.seq]));
    const entry = (time: string, party: string, purpose: string, status: string, channel: string | null, informationVersion: string | null, actor: object) => {
      const when = `2026-11-24T${time}:00.000Z`;
      return { party, purpose, status, at: when, channel, informationVersion, actor, seq: seqAt.get(when) };
    };
    const byF = { kind: 'user', id: f.id, role: 'facilitator' };
    const byS = { kind: 'user', id: s.id, role: 'supervisor' };
    const view = await c.get(s.token);
    expect(view.consentLedger).toEqual([
      entry('10:00', 'victim', 'participation', 'given', 'link', 'rj-information-2026-11', { kind: 'party', role: 'victim' }),
      entry('11:00', 'offender', 'participation', 'given', null, null, byF),
      entry('12:00', 'victim', 'emailContact', 'withdrawn', 'phone', null, byF),
      entry('12:00', 'victim', 'directMeeting', 'withdrawn', 'phone', null, byF),
      entry('13:00', 'offender', 'feedback', 'given', 'in_person', 'rj-information-2026-11', byS),
      entry('13:00', 'offender', 'phoneContact', 'withdrawn', 'in_person', 'rj-information-2026-11', byS),
      entry('14:00', 'victim', 'directMeeting', 'given', 'link', null, byF),
      entry('15:00', 'offender', 'participation', 'withdrawn', null, null, byF),
    ]);
    // The chart's own record of consent says the same.
    expect(view.consent).toEqual({
      victim: { participation: 'given', emailContact: 'withdrawn', directMeeting: 'given' },
      offender: { participation: 'withdrawn', feedback: 'given', phoneContact: 'withdrawn' },
    });
    expect(view).toMatchObject({ state: 'closing', pendingClosure: { reason: 'offender_withdrew' } });
  });

  it('a direct meeting withdrawn: a conference is refused (409) with the chart’s reason; a letter exchange is not', async () => {
    const { app, staff } = env;
    const f = staff.facilitator.token;
    const c = caseClient(app, await openCase(app, staff));
    await consentBoth(c, f);
    await lowRisk(c, f);
    await prepareBoth(c, f);
    await c.ok(f, { type: 'RECORD_CONSENT', party: 'victim', withdrawn: ['directMeeting'], channel: 'phone' });
    const refused = await c.refused(f, { type: 'CHOOSE_PROCESS', process: 'conference' }, 409);
    expect(refused.reasons).toEqual([
      {
        rule: 'directMeetingConsented',
        message: 'The victim withdrew consent to a direct meeting, so a conference cannot be arranged: choose a shuttle or letter exchange, or record their consent to meet again.',
      },
    ]);
    expect(refused.allowedEvents).toContain('CHOOSE_PROCESS');
    expect((await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'letter' })).process).toBe('letter');
  });

  it('refuses a consent that names no purpose, or one both given and withdrawn (422), and a withdrawal twice (409)', async () => {
    const { app, staff } = env;
    const f = staff.facilitator.token;
    const c = caseClient(app, await openCase(app, staff));
    const send = (body: object, status: number) => c.refused(f, { type: 'RECORD_CONSENT', party: 'victim', channel: 'phone', ...body }, status);
    expect((await send({}, 422)).issues).toEqual([{ path: 'given', message: 'Name at least one purpose the party gives or withdraws their consent to.' }]);
    expect((await send({ given: ['feedback'], withdrawn: ['feedback'] }, 422)).issues).toEqual([
      { path: 'withdrawn', message: 'A purpose cannot be both given and withdrawn: choose one for each.' },
    ]);
    expect((await send({ given: ['marketing'] }, 422)).issues.map((i: { path: string }) => i.path)).toEqual(['given.0']);
    await c.ok(f, { type: 'RECORD_CONSENT', party: 'victim', withdrawn: ['participation'], channel: 'phone' });
    expect((await send({ withdrawn: ['participation'] }, 409)).reasons).toEqual([{ rule: 'partyHasNotWithdrawn', message: 'The victim has already withdrawn.' }]);
  });
});
