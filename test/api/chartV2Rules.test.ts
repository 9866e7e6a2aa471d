import { beforeEach, describe, expect, it } from 'vitest';
import { openCase, sampleReferral, withApp } from '../support/harness.js';
import { invitedCase, partyClient } from '../web/partySteps.js';
import { caseClient, consentBoth, createCase, lowRisk, prepareBoth, types, victimTrack, type Body, type CaseClient } from './apiSteps.js';

/**
 * Chart v2's rules, each proved over the JSON API: the refusal and its reason
 * (the rule or the field, and a message that says what to do), and the path the
 * rule allows. Dates are taken from the app's clock, so tests can run in any order.
 */
describe('chart v2 rules through the API', () => {
  const env = withApp();
  const hour = 60 * 60 * 1000;

  const now = () => env.app.clock().toISOString();
  const inHours = (h: number) => new Date(env.app.clock().getTime() + h * hour).toISOString();
  /** A calendar date `d` days from the app's today (UTC; the test clock is mid-morning, so London's date is the same). */
  const inDays = (d: number) => new Date(env.app.clock().getTime() + d * 24 * hour).toISOString().slice(0, 10);

  const f1 = () => env.staff.facilitator.token;
  const s1 = () => env.staff.supervisor.token;
  const s2 = () => env.staff.supervisor2.token;

  /** Sends an event that must be refused with `status`, and checks nothing changed on the case; returns the body. */
  async function refusedUnchanged(c: CaseClient, token: string, body: Body, status: number) {
    const before = await c.get(s1());
    const refusal = await c.refused(token, body, status);
    const after = await c.get(s1());
    expect(after.version, 'a refused event changes nothing').toBe(before.version);
    expect(after.state).toEqual(before.state);
    return refusal;
  }

  /** A case in preparation with both parties prepared and a conference chosen. */
  async function readyToSchedule(referral = sampleReferral()): Promise<CaseClient> {
    const c = caseClient(env.app, await openCase(env.app, env.staff, referral));
    await consentBoth(c, f1());
    await lowRisk(c, f1());
    await prepareBoth(c, f1());
    await c.ok(f1(), { type: 'CHOOSE_PROCESS', process: 'conference' });
    return c;
  }

  /** A case in follow-up after a conference held an hour ago, with the given agreement. */
  async function inFollowUp(agreement: Body[]): Promise<CaseClient> {
    const c = await readyToSchedule();
    await c.ok(f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: inHours(2), venue: 'Community centre' });
    const after = await c.ok(f1(), { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement, heldAt: inHours(-1) });
    expect(after.stage).toBe('followUp');
    return c;
  }

  const apology = (dueDate: string) => ({ action: 'Write a letter of apology', owner: 'offender', dueDate });

  describe('1. informed consent', () => {
    it('a "yes" staff record before the invitation went out needs informationGiven', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));

      const body = await refusedUnchanged(c, f1(), { type: 'VICTIM_RESPONDED', response: 'yes' }, 422);
      expect(body.issues).toEqual([{ path: 'informationGiven', message: expect.stringMatching(/has not been sent the invitation/) }]);
      expect(body.issues[0].message).toMatch(/record which information about restorative justice they were given and how/);
      expect(body.issues[0].message).toMatch(/phone, in_person or letter/);

      // Only the three ways staff give the information are accepted.
      const how = await refusedUnchanged(c, f1(), { type: 'VICTIM_RESPONDED', response: 'yes', informationGiven: { version: 'rj-information-2026-11', how: 'email' } }, 422);
      expect(how.issues.map((i: { path: string }) => i.path)).toEqual(['informationGiven.how']);
      expect(victimTrack(await c.get(f1()))).toBe('notContacted');
    });

    it.each(['phone', 'in_person', 'letter'])('with informationGiven {version, how: %s} the "yes" is recorded', async (how) => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      const informationGiven = { version: 'rj-information-2026-11', how };
      const after = await c.ok(f1(), { type: 'VICTIM_RESPONDED', response: 'yes', informationGiven });
      expect(victimTrack(after)).toBe('consented');
      const answer = (await c.history(f1())).events.at(-1)!;
      expect(answer).toMatchObject({ type: 'VICTIM_RESPONDED', data: { response: 'yes', informationGiven } });
    });

    it('after INVITE_VICTIM a "yes" needs no informationGiven', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      expect(victimTrack(await c.ok(f1(), { type: 'VICTIM_RESPONDED', response: 'yes' }))).toBe('consented');
    });
  });

  describe('2. dates that make sense', () => {
    it('SCHEDULE_CONFERENCE: not in the past, not without an offset; a future start is scheduled', async () => {
      const c = await readyToSchedule();

      const past = await refusedUnchanged(c, f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: inHours(-1), venue: 'Community centre' }, 422);
      expect(past.issues).toEqual([{ path: 'startsAt', message: expect.stringContaining('The conference must start in the future') }]);
      // Now, as people in the service read it: a UK date and time.
      expect(past.issues[0].message).toMatch(/after \d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d at \d\d:\d\d \(UK time\)\.$/);
      // Starting right now is not in the future either.
      const atNow = await refusedUnchanged(c, f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: now(), venue: 'Community centre' }, 422);
      expect(atNow.issues.map((i: { path: string }) => i.path)).toEqual(['startsAt']);

      const noOffset = await refusedUnchanged(c, f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: '2027-01-10T10:00:00', venue: 'Community centre' }, 422);
      expect(noOffset.issues).toEqual([{ path: 'startsAt', message: expect.stringContaining('add Z or +01:00') }]);

      const startsAt = inHours(48);
      const scheduled = await c.ok(f1(), { type: 'SCHEDULE_CONFERENCE', startsAt, venue: 'Community centre' });
      expect(scheduled).toMatchObject({ stage: 'conference', state: { open: { conference: 'scheduled' } }, conference: { startsAt } });
      // An explicit offset is accepted as well.
      expect((await c.ok(f1(), { type: 'RESCHEDULE_CONFERENCE', startsAt: '2027-01-10T10:00:00+00:00', reason: 'room taken' })).conference.startsAt).toBe(
        '2027-01-10T10:00:00+00:00',
      );
    });

    it('RESCHEDULE_CONFERENCE: not in the past, not without an offset; a future start is rescheduled', async () => {
      const c = await readyToSchedule();
      await c.ok(f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: inHours(48), venue: 'Community centre' });

      const past = await refusedUnchanged(c, f1(), { type: 'RESCHEDULE_CONFERENCE', startsAt: inHours(-2), reason: 'victim unwell' }, 422);
      expect(past.issues).toEqual([{ path: 'startsAt', message: expect.stringContaining('The conference must start in the future') }]);
      const noOffset = await refusedUnchanged(c, f1(), { type: 'RESCHEDULE_CONFERENCE', startsAt: '2027-01-10T10:00:00', reason: 'victim unwell' }, 422);
      expect(noOffset.issues).toEqual([{ path: 'startsAt', message: expect.stringContaining('add Z or +01:00') }]);

      const startsAt = inHours(72);
      const moved = await c.ok(f1(), { type: 'RESCHEDULE_CONFERENCE', startsAt, reason: 'victim unwell' });
      expect(moved).toMatchObject({ state: { open: { conference: 'scheduled' } }, conference: { startsAt, venue: 'Community centre' } });
    });

    it('RECORD_OUTCOME: not before the planned start without heldAt, not with heldAt in the future, not with an item due before the meeting', async () => {
      const c = await readyToSchedule();
      const startsAt = inHours(24);
      await c.ok(f1(), { type: 'SCHEDULE_CONFERENCE', startsAt, venue: 'Community centre' });
      const outcome = { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [apology(inDays(14))] };

      const early = await refusedUnchanged(c, f1(), outcome, 422);
      expect(early.issues).toEqual([{ path: 'heldAt', message: expect.stringMatching(/planned for \d{1,2} \w+ 20\d\d at \d\d:\d\d \(UK time\), which has not come yet/) }]);
      expect(early.issues[0].message).toMatch(/If it took place earlier, give the time it took place\.$/);

      const future = await refusedUnchanged(c, f1(), { ...outcome, heldAt: inHours(1) }, 422);
      expect(future.issues).toEqual([{ path: 'heldAt', message: 'The time the conference took place cannot be in the future.' }]);

      const heldAt = inHours(-1);
      const dueBefore = await refusedUnchanged(c, f1(), { ...outcome, heldAt, agreement: [apology(inDays(-1))] }, 422);
      expect(dueBefore.issues).toEqual([{ path: 'agreement.0.dueDate', message: expect.stringContaining(`on or after ${heldAt.slice(0, 10)}`) }]);
      expect(dueBefore.issues[0].message).toMatch(/cannot be due before the meeting/);
      // The path names the item that is wrong, wherever it stands.
      const second = await refusedUnchanged(c, f1(), { ...outcome, heldAt, agreement: [apology(inDays(14)), apology(inDays(-3))] }, 422);
      expect(second.issues.map((i: { path: string }) => i.path)).toEqual(['agreement.1.dueDate']);

      // Held earlier than planned: recorded with the time it took place.
      const recorded = await c.ok(f1(), { ...outcome, heldAt });
      expect(recorded).toMatchObject({ stage: 'followUp', agreement: [{ id: 'item-1', status: 'pending', dueDate: inDays(14) }] });
      expect((await c.history(f1())).events.at(-1)).toMatchObject({ type: 'RECORD_OUTCOME', data: { heldAt } });
    });

    it('RECORD_OUTCOME without heldAt once the planned start has passed is recorded', async () => {
      const c = await readyToSchedule();
      await c.ok(f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: inHours(1), venue: 'Community centre' });
      env.app.clock.advance(2 * hour);
      const recorded = await c.ok(f1(), { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [apology(inDays(14))] });
      expect(recorded.stage).toBe('followUp');
    });

    it('a referral whose offence is dated after today is refused on offence.date; today is accepted', async () => {
      const before = await env.app.request('GET', '/api/cases', { token: s1() });
      const tomorrow = inDays(1);
      const r = await env.app.request('POST', '/api/cases', {
        token: s1(),
        body: sampleReferral({ offence: { type: 'burglary', date: tomorrow, description: 'Burglary of a dwelling' } }),
      });
      expect(r.status).toBe(422);
      expect(r.body.issues).toEqual([{ path: 'offence.date', message: expect.stringContaining('cannot be dated after the referral') }]);
      expect(r.body.issues[0].message).toMatch(/give the date it happened, as YYYY-MM-DD/);
      expect((await env.app.request('GET', '/api/cases', { token: s1() })).body.total).toBe(before.body.total);

      const today = await env.app.request('POST', '/api/cases', {
        token: s1(),
        body: sampleReferral({ offence: { type: 'burglary', date: inDays(0), description: 'Burglary of a dwelling' } }),
      });
      expect(today.status, JSON.stringify(today.body)).toBe(201);
    });
  });

  describe('3. specialist-trained facilitators for sensitive cases', () => {
    const sensitive = () => sampleReferral({ flags: { domesticAbuse: true, stalking: true } });

    it('ACCEPT_REFERRAL and REASSIGN need a facilitator trained for each specialism the case involves', async () => {
      const { facilitator, facilitator2 } = env.staff;
      const c = await createCase(env.app, env.staff, sensitive());

      const body = await refusedUnchanged(c, s1(), { type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitator2.id] }, 409);
      expect(body.reasons).toEqual([{ rule: 'allocationIsTrained', message: expect.stringContaining('This case involves domestic abuse and stalking') }]);
      expect(body.reasons[0].message).toContain('none of those chosen is trained for domestic abuse and stalking');
      expect(body.reasons[0].message).toContain('no_trained_facilitator');
      expect(body).toMatchObject({ allowedEvents: expect.any(Array), blockedEvents: expect.any(Array) });
      expect((await c.get(s1())).stage).toBe('referral');

      const accepted = await c.ok(s1(), { type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitator.id] });
      expect(accepted).toMatchObject({ stage: 'consent', facilitatorIds: [facilitator.id] });

      const reassign = await refusedUnchanged(c, s1(), { type: 'REASSIGN', facilitatorIds: [facilitator2.id] }, 409);
      expect(reassign.reasons).toEqual([{ rule: 'allocationIsTrained', message: body.reasons[0].message }]);
      expect((await c.get(s1())).facilitatorIds).toEqual([facilitator.id]);

      // An untrained facilitator may work the case alongside a trained one.
      const pair = await c.ok(s1(), { type: 'REASSIGN', facilitatorIds: [facilitator2.id, facilitator.id] });
      expect(pair.facilitatorIds).toEqual([facilitator2.id, facilitator.id]);
    });

    it('a referral with no trained facilitator available is declined with no_trained_facilitator, which closes it', async () => {
      const c = await createCase(env.app, env.staff, sensitive());
      const declined = await c.ok(s1(), { type: 'DECLINE_REFERRAL', reason: 'no_trained_facilitator', note: 'nobody trained for stalking this month' });
      expect(declined).toMatchObject({ stage: 'closed', status: 'closed', closureReason: 'no_trained_facilitator', allowedEvents: [] });
    });

    it('GET /api/facilitators lists id, name and trainedFor (no emails); GET /api/me shows trainedFor', async () => {
      const { facilitator, facilitator2, supervisor } = env.staff;
      const r = await env.app.request('GET', '/api/facilitators', { token: s1() });
      expect(r.status).toBe(200);
      const list = r.body.facilitators as Array<Record<string, unknown>>;
      for (const entry of list) expect(Object.keys(entry).sort()).toEqual(['id', 'name', 'trainedFor']);
      expect(JSON.stringify(r.body)).not.toContain('@');
      const ids = list.map((e) => e.id);
      expect(ids).toEqual(expect.arrayContaining([facilitator.id, facilitator2.id]));
      expect(ids).not.toContain(supervisor.id);
      const one = list.find((e) => e.id === facilitator.id)!;
      expect(one.name).toBe('facilitator 1');
      expect([...(one.trainedFor as string[])].sort()).toEqual(['domesticAbuse', 'hateCrime', 'sexualOffence', 'stalking']);
      expect(list.find((e) => e.id === facilitator2.id)!.trainedFor).toEqual([]);
      // Facilitators may list them too.
      expect((await env.app.request('GET', '/api/facilitators', { token: f1() })).status).toBe(200);

      const me1 = await env.app.request('GET', '/api/me', { token: f1() });
      expect(me1.status).toBe(200);
      expect(me1.body).toMatchObject({ id: facilitator.id, role: 'facilitator' });
      expect([...me1.body.trainedFor].sort()).toEqual(['domesticAbuse', 'hateCrime', 'sexualOffence', 'stalking']);
      const me2 = await env.app.request('GET', '/api/me', { token: facilitator2.token });
      expect(me2.body).toMatchObject({ id: facilitator2.id, trainedFor: [] });
    });
  });

  describe('4. returning a "no"', () => {
    // /respond is rate limited per minute on the app's clock: start a fresh minute.
    beforeEach(() => env.app.clock.advance(60_000));

    it("a victim's own \"no\" through their link can be returned, and the case is back where it was", async () => {
      const { caseId, token } = await invitedCase(env.app, env.staff);
      const c = caseClient(env.app, caseId);
      const before = await c.get(s1());
      expect(victimTrack(before)).toBe('invited');

      const client = partyClient(env.app);
      const done = await client.submit(await client.open(token), { response: 'no' });
      expect(done.status).toBe(200);
      const closing = await c.get(s1());
      expect(closing).toMatchObject({ state: 'closing', pendingClosure: { reason: 'victim_declined', requestedBy: { kind: 'party', role: 'victim' } } });
      expect(closing.allowedEvents).toContain('RETURN_CASE');

      const returned = await c.ok(s1(), { type: 'RETURN_CASE', note: 'The victim phoned: they pressed the wrong answer.' });
      expect(returned).toMatchObject({ state: before.state, stage: 'consent', pendingClosure: null, status: 'active' });
      expect(types(await c.history(s1())).slice(-2)).toEqual(['VICTIM_RESPONDED', 'RETURN_CASE']);
      // The case goes on from there.
      expect(victimTrack(await c.ok(f1(), { type: 'VICTIM_RESPONDED', response: 'yes' }))).toBe('consented');
    });

    it('a "no" staff recorded can be returned too', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      const before = await c.ok(f1(), { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
      expect((await c.ok(f1(), { type: 'VICTIM_RESPONDED', response: 'no' })).state).toBe('closing');
      const returned = await c.ok(s1(), { type: 'RETURN_CASE', note: 'recorded against the wrong case' });
      expect(returned).toMatchObject({ state: before.state, pendingClosure: null });
      expect(returned.state).toEqual({ open: { consent: { victim: 'invited', offender: 'consented' } } });
    });

    it('a withdrawal cannot be returned', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      expect((await c.ok(f1(), { type: 'WITHDRAW', party: 'victim', reason: 'phoned to say stop' })).state).toBe('closing');

      const body = await refusedUnchanged(c, s1(), { type: 'RETURN_CASE', note: 'try again' }, 409);
      expect(body.reasons.length).toBeGreaterThan(0);
      for (const reason of body.reasons) {
        expect(['closureIsReturnable', 'noPartyWithdrew']).toContain(reason.rule);
        expect(reason.message).toMatch(/withdr[ae]w.*cannot be returned|cannot be returned.*withdr/);
      }
      expect((await c.get(s1())).allowedEvents).not.toContain('RETURN_CASE');
    });

    it('a "no" after which the party withdrew cannot be returned (noPartyWithdrew)', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      await c.ok(f1(), { type: 'VICTIM_RESPONDED', response: 'no' });
      await c.ok(f1(), { type: 'WITHDRAW', party: 'victim', reason: 'wants no more contact' });
      const body = await refusedUnchanged(c, s1(), { type: 'RETURN_CASE', note: 'try again' }, 409);
      expect(body.reasons).toEqual([{ rule: 'noPartyWithdrew', message: 'The victim has withdrawn their consent, so the case cannot be returned.' }]);
    });
  });

  it('5. ADD_NOTE works in the referral stage', async () => {
    const c = await createCase(env.app, env.staff, sampleReferral());
    expect((await c.get(s1())).allowedEvents).toContain('ADD_NOTE');
    const noted = await c.ok(s1(), { type: 'ADD_NOTE', text: 'Called the referrer to check the victim is aware of the referral.' });
    expect(noted).toMatchObject({ stage: 'referral', state: 'referral', version: 2 });
    expect((await c.history(s1())).events.at(-1)).toMatchObject({
      type: 'ADD_NOTE',
      from: 'referral',
      to: 'referral',
      data: { text: 'Called the referrer to check the victim is aware of the referral.' },
    });
  });

  it('6. REVISE_RISK while the assessment waits for approval sends it back to assessing, and the approval lapses', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff, sampleReferral({ flags: { domesticAbuse: true } })));
    await consentBoth(c, f1());
    const submitted = await c.ok(f1(), { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'ok' }, directContactAllowed: true });
    expect(submitted.state).toEqual({ open: { riskAssessment: 'awaitingApproval' } });
    expect((await c.get(s1())).allowedEvents).toContain('APPROVE_RISK');

    const revised = await c.ok(f1(), { type: 'REVISE_RISK', reason: 'new information from the police about contact' });
    expect(revised).toMatchObject({ stage: 'riskAssessment', state: { open: { riskAssessment: 'assessing' } }, risk: null });

    expect((await c.get(s1())).allowedEvents).not.toContain('APPROVE_RISK');
    const approve = await refusedUnchanged(c, s1(), { type: 'APPROVE_RISK' }, 409);
    expect(approve.reasons).toEqual([{ rule: 'notInThisState', message: expect.stringContaining('possible only while the risk assessment waits for approval') }]);

    // Assessed again, it waits for approval again.
    await c.ok(f1(), { type: 'SUBMIT_RISK_ASSESSMENT', level: 'medium', factors: { safety: 'managed' }, directContactAllowed: true });
    expect((await c.ok(s1(), { type: 'APPROVE_RISK' })).stage).toBe('preparation');
  });

  it('7. after REVISE_RISK from follow-up, a new outcome issues fresh item ids and both agreements are listed', async () => {
    const c = await inFollowUp([apology(inDays(14))]);
    expect((await c.get(f1())).agreement.map((i: { id: string }) => i.id)).toEqual(['item-1']);

    const revised = await c.ok(f1(), { type: 'REVISE_RISK', reason: 'the offender was arrested for a new offence' });
    expect(revised).toMatchObject({ stage: 'riskAssessment', state: { open: { riskAssessment: 'assessing' } }, risk: null, conference: null });
    await lowRisk(c, f1());
    await prepareBoth(c, f1());
    await c.ok(f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: inHours(3), venue: 'Probation office' });
    const after = await c.ok(f1(), {
      type: 'RECORD_OUTCOME',
      attendees: ['victim', 'offender'],
      heldAt: inHours(-1),
      agreement: [
        { action: 'Attend a victim awareness course', owner: 'offender', dueDate: inDays(30) },
        { action: 'Repair the fence', owner: 'offender', dueDate: inDays(21) },
      ],
    });
    expect(after.stage).toBe('followUp');
    expect(after.agreement.map((i: { id: string; action: string }) => [i.id, i.action])).toEqual([
      ['item-1', 'Write a letter of apology'],
      ['item-2', 'Attend a victim awareness course'],
      ['item-3', 'Repair the fence'],
    ]);
    // Each id names one item.
    const done = await c.ok(f1(), { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-2' });
    expect(done.agreement.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([
      ['item-1', 'pending'],
      ['item-2', 'completed'],
      ['item-3', 'pending'],
    ]);
  });

  it('8. completing an item that does not exist, or one already completed, is a 422 on itemId and changes nothing', async () => {
    const c = await inFollowUp([apology(inDays(14))]);

    const none = await refusedUnchanged(c, f1(), { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-9' }, 422);
    expect(none.issues).toEqual([{ path: 'itemId', message: 'There is no agreement item item-9 on this case.' }]);
    const missNone = await refusedUnchanged(c, f1(), { type: 'MISS_AGREEMENT_ITEM', itemId: 'item-9' }, 422);
    expect(missNone.issues).toEqual([{ path: 'itemId', message: 'There is no agreement item item-9 on this case.' }]);

    expect((await c.ok(f1(), { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' })).agreement[0].status).toBe('completed');
    const again = await refusedUnchanged(c, f1(), { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' }, 422);
    expect(again.issues).toEqual([{ path: 'itemId', message: expect.stringMatching(/item-1 is already (marked )?completed/) }]);
    const miss = await refusedUnchanged(c, f1(), { type: 'MISS_AGREEMENT_ITEM', itemId: 'item-1' }, 422);
    expect(miss.issues).toEqual([{ path: 'itemId', message: expect.stringMatching(/item-1 is already (marked )?completed/) }]);
    expect((await c.get(f1())).agreement[0].status).toBe('completed');
  });

  describe('9. tasks', () => {
    const noEmail = () => sampleReferral({ victim: { name: 'Vera Victim', phone: '01234 567890' } });

    it('an invitation to a victim with no email is a task, resolved with RESOLVE_TASK and a note', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff, noEmail()));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      const { tasks } = await c.get(f1());
      expect(tasks).toHaveLength(1);
      const taskId = tasks[0].id as string;
      expect(tasks[0]).toMatchObject({ kind: 'notice_undeliverable', template: 'victim_invitation', to: 'victim' });

      const unknown = await refusedUnchanged(c, f1(), { type: 'RESOLVE_TASK', taskId: 'task-that-is-not-there', note: 'phoned' }, 422);
      expect(unknown.issues).toEqual([{ path: 'taskId', message: 'There is no open task task-that-is-not-there on this case.' }]);
      const noNote = await refusedUnchanged(c, f1(), { type: 'RESOLVE_TASK', taskId }, 422);
      expect(noNote.issues.map((i: { path: string }) => i.path)).toEqual(['note']);

      const note = 'Phoned the victim and read the invitation to them.';
      const resolved = await c.ok(f1(), { type: 'RESOLVE_TASK', taskId, note });
      expect(resolved.stage).toBe('consent');
      expect((await c.history(f1())).events.at(-1)).toMatchObject({ type: 'RESOLVE_TASK', data: { taskId, note } });
      expect((await c.get(f1())).tasks).toEqual([]);

      // Once resolved it is no longer open.
      const twice = await refusedUnchanged(c, f1(), { type: 'RESOLVE_TASK', taskId, note }, 422);
      expect(twice.issues).toEqual([{ path: 'taskId', message: `There is no open task ${taskId} on this case.` }]);
    });

    it('a task still open when the case closes is cleared', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff, noEmail()));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      await c.ok(f1(), { type: 'REQUEST_CLOSURE', reason: 'unsuitable', note: 'no safe way to contact the victim' });
      // Still open while the closure waits for sign-off.
      expect((await c.get(s1())).tasks).toHaveLength(1);
      expect((await c.ok(s1(), { type: 'APPROVE_CLOSURE' })).stage).toBe('closed');
      expect((await c.get(s1())).tasks).toEqual([]);
    });
  });

  it('10. the supervisor who assessed a sensitive case cannot approve it; another supervisor can', async () => {
    const { supervisor, supervisor2 } = env.staff;
    const c = caseClient(env.app, await openCase(env.app, env.staff, sampleReferral({ flags: { hateCrime: true } })));
    await consentBoth(c, f1());
    const submitted = await c.ok(s1(), { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'ok' }, directContactAllowed: true });
    expect(submitted).toMatchObject({ state: { open: { riskAssessment: 'awaitingApproval' } }, risk: { assessedBy: supervisor.id } });

    const reason = { rule: 'approverIsNotAssessor', message: 'You assessed this risk, so another supervisor must approve it.' };
    const body = await refusedUnchanged(c, s1(), { type: 'APPROVE_RISK' }, 409);
    expect(body.reasons).toEqual([reason]);
    expect(body.blockedEvents).toContainEqual({ type: 'APPROVE_RISK', reasons: [reason] });

    const assessorView = await c.get(s1());
    expect(assessorView.allowedEvents).not.toContain('APPROVE_RISK');
    expect(assessorView.blockedEvents).toContainEqual({ type: 'APPROVE_RISK', reasons: [reason] });
    const otherView = await c.get(s2());
    expect(otherView.allowedEvents).toContain('APPROVE_RISK');
    expect(otherView.blockedEvents.map((b: { type: string }) => b.type)).not.toContain('APPROVE_RISK');

    const approved = await c.ok(s2(), { type: 'APPROVE_RISK', note: 'agreed' });
    expect(approved).toMatchObject({ stage: 'preparation', risk: { assessedBy: supervisor.id, approvedBy: supervisor2.id } });
  });

  it('11. an event at the wrong stage says where it is possible, with allowedEvents and blockedEvents', async () => {
    const c = caseClient(env.app, await openCase(env.app, env.staff));
    const body = await refusedUnchanged(c, f1(), { type: 'SCHEDULE_CONFERENCE', startsAt: inHours(48), venue: 'Community centre' }, 409);
    expect(body.reasons).toEqual([{ rule: 'notInThisState', message: expect.stringContaining('is possible only during preparation') }]);
    expect(body.reasons[0].message).toContain('this case is in contact and consent');
    const view = await c.get(f1());
    expect(body.allowedEvents).toEqual(view.allowedEvents);
    expect(body.allowedEvents).toContain('INVITE_VICTIM');
    expect(body.allowedEvents).not.toContain('SCHEDULE_CONFERENCE');
    expect(body.blockedEvents).toEqual(view.blockedEvents);
  });

  describe('12. small API fixes', () => {
    it('a body not declared as JSON gets 415 telling to set the header, and changes nothing', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      const before = await c.get(s1());
      const post = (headers: Record<string, string>, body: BodyInit) =>
        fetch(`${env.app.baseUrl}/api/cases/${c.id}/events`, { method: 'POST', headers: { authorization: `Bearer ${f1()}`, ...headers }, body });
      const json = JSON.stringify({ type: 'INVITE_VICTIM' });

      for (const res of [await post({ 'content-type': 'text/plain' }, json), await post({}, new TextEncoder().encode(json))]) {
        expect(res.status).toBe(415);
        expect((await res.json()).error).toContain('Content-Type: application/json');
      }
      const after = await c.get(s1());
      expect(after.version).toBe(before.version);
      expect(victimTrack(after)).toBe('notContacted');
    });

    it('an unknown event type is a 422 on type listing what a person can send, not the clock events', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      const body = await refusedUnchanged(c, f1(), { type: 'FLY_TO_THE_MOON' }, 422);
      expect(body.issues).toHaveLength(1);
      expect(body.issues[0].path).toBe('type');
      const listed = (body.issues[0].message as string).split('expected one of: ')[1]?.split(', ') ?? [];
      expect(listed).toEqual(expect.arrayContaining(['INVITE_VICTIM', 'VICTIM_RESPONDED', 'ACCEPT_REFERRAL', 'RESUME', 'ADD_NOTE']));
      for (const clock of ['INVITATION_EXPIRED', 'REOFFER_DUE', 'AGREEMENT_ITEM_DUE', 'INVITATION_REMINDER_DUE']) expect(listed).not.toContain(clock);
    });

    const clockEvents = [
      { type: 'INVITATION_EXPIRED' },
      { type: 'INVITATION_REMINDER_DUE' },
      { type: 'REOFFER_DUE' },
      { type: 'AGREEMENT_ITEM_DUE', itemId: 'item-1' },
    ];

    it('a person sending a clock event gets 403, even in a state where the clock could send it, and nothing changes', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      for (const token of [f1(), s1()]) {
        for (const body of clockEvents) {
          const refused = await refusedUnchanged(c, token, body, 403);
          expect(refused.reasons).toEqual([{ rule: 'role', message: expect.any(String) }]);
          expect(refused.allowedEvents).not.toContain(body.type);
        }
      }
      expect(victimTrack(await c.get(f1()))).toBe('invited');
    });

    it('the 403 for a clock event says the service sends it itself, not that staff may', async () => {
      const c = caseClient(env.app, await openCase(env.app, env.staff));
      await c.ok(f1(), { type: 'INVITE_VICTIM' });
      for (const body of clockEvents) {
        const refused = await c.refused(f1(), body, 403);
        // The sender is staff: "Only staff can …" contradicts the refusal itself; these events are sent by the system's clock.
        expect(refused.reasons[0].message, `${body.type}: ${refused.reasons[0].message}`).not.toMatch(/only staff/i);
        expect(refused.error).not.toMatch(/only staff/i);
        expect(refused.reasons[0].message).toMatch(/^The service does this itself when it falls due \("[^"]+"\); nobody sends it by hand\.$/);
      }
    });
  });
});
