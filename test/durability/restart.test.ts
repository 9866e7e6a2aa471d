import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, days, openCase, startApp, tempDir, testClock, type Staff, type TestApp } from '../support/harness.js';
import { rawDatabase } from '../support/rawDatabase.js';

/**
 * Timers are rows: a restart must leave cases, history and pending timers
 * exactly as they were, and whatever fell due while the app was down must fire
 * exactly once on the first sweep (main.ts sweeps at start). Nothing sleeps:
 * the test clock is moved by hand and the scheduler is swept by hand.
 */
describe('restart with pending and overdue timers', () => {
  const tmp = tempDir();
  const dbPath = `${tmp.dir}/rj.sqlite`;
  const clock = testClock('2026-11-23T09:00:00Z');
  let app: TestApp;
  let staff: Staff;

  beforeAll(async () => {
    app = await startApp(dbPath, clock);
    staff = await addStaff(app.services);
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  const send = async (id: string, body: Record<string, unknown>) => {
    const r = await app.request('POST', `/api/cases/${id}/events`, { token: staff.facilitator.token, body });
    expect(r.status, `${String(body.type)}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body.case;
  };

  /** Everything a restart must preserve, read the way clients and the scheduler read it. */
  const observe = async (id: string) => {
    // The facilitator's view: the supervisor's history would also list the views these reads record.
    const view = await app.request('GET', `/api/cases/${id}`, { token: staff.facilitator.token });
    const history = await app.request('GET', `/api/cases/${id}/history`, { token: staff.facilitator.token });
    expect(view.status).toBe(200);
    expect(history.status).toBe(200);
    return { case: view.body.case, history: history.body, timers: await app.services.store.pendingTimers(id) };
  };

  const historyTypes = async (id: string) => (await observe(id)).history.events.map((e: { type: string }) => e.type) as string[];

  /** Every timer row of a case with its final status, read through a raw read-only connection. */
  const timerRows = async (id: string) => {
    const db = rawDatabase(app, { readonly: true });
    try {
      return await db.all<{ key: string; status: string }>('SELECT key, status FROM timers WHERE case_id = ? ORDER BY id', [id]);
    } finally {
      await db.close();
    }
  };

  const restart = async () => {
    await app.stop();
    app = await startApp(dbPath, clock);
  };

  it('keeps cases, history and pending timers across a restart, and fires each overdue timer exactly once', async () => {
    // Case A: the victim is invited, so a reminder (P7D) and an expiry (P21D) are pending.
    const invited = await openCase(app, staff);
    await send(invited, { type: 'INVITE_VICTIM' });
    // Case B: the victim said "not now, ask me after 4 January"; the invitation timers are cancelled, a re-offer is pending.
    const notNow = await openCase(app, staff);
    await send(notNow, { type: 'INVITE_VICTIM' });
    await send(notNow, { type: 'VICTIM_RESPONDED', response: 'not_now', reofferAfter: '2027-01-04' });

    const beforeA = await observe(invited);
    const beforeB = await observe(notNow);
    expect(beforeA.timers).toEqual([
      expect.objectContaining({ key: 'invitationReminder', event: { type: 'INVITATION_REMINDER_DUE' }, dueAt: '2026-11-30T09:00:00.000Z' }),
      expect.objectContaining({ key: 'invitationExpiry', event: { type: 'INVITATION_EXPIRED' }, dueAt: '2026-12-14T09:00:00.000Z' }),
    ]);
    expect(beforeB.timers).toEqual([expect.objectContaining({ key: 'reoffer', event: { type: 'REOFFER_DUE' }, dueAt: '2027-01-04T00:00:00.000Z' })]);
    expect(beforeA.case).toMatchObject({ stage: 'consent', version: 3, state: { open: { consent: { victim: 'invited' } } } });
    expect(beforeB.case).toMatchObject({ stage: 'consent', version: 4, state: { open: { consent: { victim: 'notNow' } } } });

    await restart();

    expect(await observe(invited)).toEqual(beforeA);
    expect(await observe(notNow)).toEqual(beforeB);
    // Nothing is due yet, so the sweep the app runs at start fires nothing.
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect(await observe(invited)).toEqual(beforeA);

    // A minute after the reminder falls due: it fires once, as the system, and sends the reminder.
    clock.advance(days(7) + 60_000);
    expect(await app.services.scheduler.sweep()).toBe(1);
    const reminded = await observe(invited);
    expect(reminded.history.events).toHaveLength(beforeA.history.events.length + 1);
    expect(reminded.history.events.at(-1)).toMatchObject({
      type: 'INVITATION_REMINDER_DUE',
      actor: { kind: 'system', role: 'system' },
      at: '2026-11-30T09:01:00.000Z',
    });
    expect(reminded.history.notices.filter((n: { template: string }) => n.template === 'invitation_reminder')).toEqual([
      expect.objectContaining({ to: 'victim', seq: reminded.history.events.at(-1).seq }),
    ]);
    expect(reminded.case.version).toBe(beforeA.case.version + 1);
    expect(reminded.timers.map((t) => t.key)).toEqual(['invitationExpiry']);
    // A second sweep finds nothing due.
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect(await observe(invited)).toEqual(reminded);

    // The app is down while the expiry (14 Dec) and the re-offer date (4 Jan) pass.
    await app.stop();
    clock.set('2027-01-05T12:00:00Z');
    app = await startApp(dbPath, clock);
    expect(await observe(invited)).toEqual(reminded);
    expect(await observe(notNow)).toEqual(beforeB);

    // The first sweep after start fires both, once each.
    expect(await app.services.scheduler.sweep()).toBe(2);
    const expired = await observe(invited);
    expect(expired.history.events.slice(reminded.history.events.length)).toEqual([
      expect.objectContaining({ type: 'INVITATION_EXPIRED', actor: { kind: 'system', role: 'system' }, at: '2027-01-05T12:00:00.000Z' }),
    ]);
    expect(expired.case.state).toMatchObject({ open: { consent: { victim: 'noResponse' } } });
    expect(expired.timers).toEqual([]);
    const reoffered = await observe(notNow);
    expect(reoffered.history.events.slice(beforeB.history.events.length)).toEqual([
      expect.objectContaining({ type: 'REOFFER_DUE', actor: { kind: 'system', role: 'system' } }),
    ]);
    expect(reoffered.case.state).toMatchObject({ open: { consent: { victim: 'notContacted' } } });
    expect(reoffered.timers).toEqual([]);

    // Nothing fires twice, not even after another restart.
    expect(await app.services.scheduler.sweep()).toBe(0);
    await restart();
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect(await observe(invited)).toEqual(expired);
    expect(await observe(notNow)).toEqual(reoffered);

    // The invitation timers B's "not now" cancelled never fired, though both fell due.
    expect(await historyTypes(notNow)).not.toContain('INVITATION_REMINDER_DUE');
    expect(await historyTypes(notNow)).not.toContain('INVITATION_EXPIRED');
    expect(await timerRows(notNow)).toEqual([
      { key: 'invitationReminder', status: 'cancelled' },
      { key: 'invitationExpiry', status: 'cancelled' },
      { key: 'reoffer', status: 'fired' },
    ]);
    expect(await timerRows(invited)).toEqual([
      { key: 'invitationReminder', status: 'fired' },
      { key: 'invitationExpiry', status: 'fired' },
    ]);

    const verify = await app.request('GET', '/api/audit/verify', { token: staff.supervisor.token });
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('voids a timer the chart no longer accepts instead of firing it, and never retries it', async () => {
    // An agreement item's due date is pending when a revised risk sends the case back to risk assessment,
    // which takes no AGREEMENT_ITEM_DUE: when it falls due, it is voided.
    const revised = await openCase(app, staff);
    for (const body of [
      { type: 'INVITE_VICTIM' },
      { type: 'VICTIM_RESPONDED', response: 'yes' },
      { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' },
      { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'none' }, directContactAllowed: true },
      { type: 'RECORD_PREPARATION', party: 'victim', note: 'met' },
      { type: 'RECORD_PREPARATION', party: 'offender', note: 'met' },
      { type: 'CHOOSE_PROCESS', process: 'conference' },
      { type: 'SCHEDULE_CONFERENCE', startsAt: new Date(clock().getTime() + days(1)).toISOString(), venue: 'Hall' },
    ]) await send(revised, body);
    clock.advance(days(1) + 60_000);
    const dueDate = new Date(clock().getTime() + days(7)).toISOString().slice(0, 10);
    await send(revised, { type: 'RECORD_OUTCOME', attendees: ['victim', 'offender'], agreement: [{ action: 'Write a letter', owner: 'offender', dueDate }] });
    expect((await send(revised, { type: 'REVISE_RISK', reason: 'New threats reported' })).stage).toBe('riskAssessment');
    const before = await observe(revised);
    expect(before.timers.map((t) => t.key)).toEqual(['item-1']);

    await restart();
    clock.advance(days(8));
    expect(await app.services.scheduler.sweep()).toBe(0);

    // Nothing happened to the case; the due date is settled as void.
    const after = await observe(revised);
    expect(after.case).toEqual(before.case);
    expect(after.history).toEqual(before.history);
    expect(after.timers).toEqual([]);
    expect((await timerRows(revised)).at(-1)).toEqual({ key: 'item-1', status: 'void' });

    // A void timer stays void: later sweeps and a restart do not bring it back.
    expect(await app.services.scheduler.sweep()).toBe(0);
    await restart();
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect(await observe(revised)).toEqual(after);
    expect((await timerRows(revised)).at(-1)).toEqual({ key: 'item-1', status: 'void' });
  });

  it('keeps a timer that falls due while a closure waits for sign-off, and fires it once the case is returned', async () => {
    // The victim is invited, then the offender declines: the case waits in closing, and its timers wait with it.
    const declined = await openCase(app, staff);
    await send(declined, { type: 'INVITE_VICTIM' });
    expect((await send(declined, { type: 'RECORD_OFFENDER_RESPONSE', response: 'declined' })).state).toBe('closing');

    await restart();
    clock.advance(days(7) + 60_000);
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect(await timerRows(declined)).toEqual([
      { key: 'invitationReminder', status: 'pending' },
      { key: 'invitationExpiry', status: 'pending' },
    ]);

    // The supervisor returns the case: the reminder that fell due meanwhile goes out now, once.
    const returned = await app.request('POST', `/api/cases/${declined}/events`, { token: staff.supervisor.token, body: { type: 'RETURN_CASE', note: 'The offender will think again' } });
    expect(returned.status, JSON.stringify(returned.body)).toBe(200);
    expect(await app.services.scheduler.sweep()).toBe(1);
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect(await timerRows(declined)).toEqual([
      { key: 'invitationReminder', status: 'fired' },
      { key: 'invitationExpiry', status: 'pending' },
    ]);

    // Closing the case cancels what is left, and nothing fires after its due time.
    await send(declined, { type: 'RECORD_OFFENDER_RESPONSE', response: 'declined' });
    const closed = await app.request('POST', `/api/cases/${declined}/events`, { token: staff.supervisor.token, body: { type: 'APPROVE_CLOSURE' } });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    clock.advance(days(21));
    expect(await app.services.scheduler.sweep()).toBe(0);
    expect((await timerRows(declined)).at(-1)).toEqual({ key: 'invitationExpiry', status: 'cancelled' });
    expect(await historyTypes(declined)).toEqual([
      'REFERRAL_RECEIVED',
      'ACCEPT_REFERRAL',
      'INVITE_VICTIM',
      'RECORD_OFFENDER_RESPONSE',
      'RETURN_CASE',
      'INVITATION_REMINDER_DUE',
      'RECORD_OFFENDER_RESPONSE',
      'APPROVE_CLOSURE',
    ]);
  });
});
