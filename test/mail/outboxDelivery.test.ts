import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { caseClient, type Notice } from '../api/apiSteps.js';
import type { TestApp } from '../support/harness.js';
import { rawDatabase } from '../support/rawDatabase.js';
import type { ReceivedMail } from './support/smtpSink.js';
import {
  baseUrl,
  crimeReference,
  expectSentOnceOrFailed,
  host,
  mailFor,
  newCase,
  offender,
  referral,
  scheduleConference,
  sha256,
  victim,
  visibleText,
  withMailApp,
} from './support/mailApp.js';

const supporter = { name: 'Sam Supporter', email: 'sam@example.com' };

async function historyNotices(app: TestApp, caseId: string, token: string): Promise<Notice[]> {
  const r = await app.request('GET', `/api/cases/${caseId}/history`, { token });
  expect(r.status).toBe(200);
  return r.body.notices;
}

function calendarOf(mail: ReceivedMail) {
  const file = mail.parsed.attachments.find((a) => a.contentType === 'application/ics' || a.contentType === 'text/calendar');
  expect(file, 'calendar attachment').toBeDefined();
  const calendar = new ICAL.Component(ICAL.parse(file!.content.toString('utf8')) as unknown[]);
  const vevent = calendar.getFirstSubcomponent('vevent')!;
  const timezone = calendar.getFirstSubcomponent('vtimezone');
  const dtstart = vevent.getFirstProperty('dtstart')!;
  const start = (dtstart.getFirstValue() as ICAL.Time).clone();
  if (timezone) start.zone = new ICAL.Timezone(timezone);
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: vevent.getFirstPropertyValue('uid'),
    sequence: Number(vevent.getFirstPropertyValue('sequence')),
    tzid: dtstart.getParameter('tzid'),
    timezoneId: timezone?.getFirstPropertyValue('tzid'),
    startsAt: start.toJSDate().toISOString(),
    location: vevent.getFirstPropertyValue('location'),
  };
}

/** The links in a message's text and HTML parts: absolute /respond/<token> URLs. */
function respondLinks(mail: ReceivedMail): string[] {
  const html = typeof mail.parsed.html === 'string' ? mail.parsed.html : '';
  const all = `${mail.parsed.text ?? ''}\n${html}`.match(/https?:\/\/[^\s"'<>]+\/respond\/[^\s"'<>]+/g) ?? [];
  return [...new Set(all)];
}

describe('the outbox sends every notice of a conference case over SMTP', () => {
  const env = withMailApp();

  it('renders each email, links it to its stored link, attaches the conference calendar, and keeps the parties apart', async () => {
    const { app, staff, sink } = env;
    const f = staff.facilitator.token;
    const c = await newCase(app, staff);

    // Victim invitation: one respond link whose token hashes to the notice's stored invitation link.
    await c.ok(f, { type: 'INVITE_VICTIM' });
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
    const invitationNotice = (await app.services.store.notices(c.id)).find((n) => n.template === 'victim_invitation')!;
    const invitation = mailFor(sink, invitationNotice.id);
    expect(invitation.envelopeTo).toEqual([victim.email]);
    expect(invitation.parsed.from?.value).toEqual([{ name: 'RJ Service', address: 'rj-service@localhost' }]);
    expect(invitation.parsed.subject).toBeTruthy();
    expect(invitation.parsed.text).toContain(victim.name);
    expect(invitation.parsed.html).toContain('<html');
    expect(invitation.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    const [link, ...others] = respondLinks(invitation);
    expect(others).toEqual([]);
    expect(link).toMatch(new RegExp(`^${baseUrl}/respond/[A-Za-z0-9_-]{43}$`));
    expect(invitation.parsed.html).toContain(link);
    const stored = await app.services.store.linkByTokenHash(sha256(link!.split('/respond/')[1]!));
    expect(stored).toMatchObject({ noticeId: invitationNotice.id, party: 'victim', purpose: 'invitation' });

    // Through to a scheduled conference: everyone invited with a calendar file, in Europe/London time.
    await scheduleConference(c, f);
    await app.services.outbox.deliverDue();
    const conferenceNotices = (await app.services.store.notices(c.id)).filter((n) => n.template === 'conference_invitation');
    expect(conferenceNotices.map((n) => n.recipient).sort()).toEqual(['facilitators', 'offender', 'supporter:s1', 'victim']);
    const uid = `conference-${c.id}@${host}`;
    for (const n of conferenceNotices) {
      const mail = mailFor(sink, n.id);
      expect(mail.parsed.text).toContain('Tuesday 1 December 2026 at 10am');
      expect(mail.parsed.text).toContain('Community centre, Market Street');
      expect(calendarOf(mail)).toEqual({
        method: 'REQUEST',
        uid,
        sequence: n.seq,
        tzid: 'Europe/London',
        timezoneId: 'Europe/London',
        startsAt: '2026-12-01T10:00:00.000Z',
        location: 'Community centre, Market Street',
      });
    }
    const toVictim = conferenceNotices.find((n) => n.recipient === 'victim')!;
    const withdrawLinks = respondLinks(mailFor(sink, toVictim.id));
    expect(withdrawLinks).toHaveLength(1);
    expect(await app.services.store.linkByTokenHash(sha256(withdrawLinks[0]!.split('/respond/')[1]!))).toMatchObject({
      noticeId: toVictim.id,
      purpose: 'withdrawal',
    });
    expect(respondLinks(mailFor(sink, conferenceNotices.find((n) => n.recipient === 'supporter:s1')!.id))).toEqual([]);

    // Rescheduled into summer time: the same event, a higher sequence, the new London time.
    await c.ok(f, { type: 'RESCHEDULE_CONFERENCE', startsAt: '2027-06-08T13:30:00Z', reason: 'the venue is closed' });
    await app.services.outbox.deliverDue();
    const rescheduled = (await app.services.store.notices(c.id)).find((n) => n.template === 'conference_rescheduled' && n.recipient === 'offender')!;
    const moved = mailFor(sink, rescheduled.id);
    expect(moved.parsed.text).toContain('Tuesday 8 June 2027 at 2:30pm');
    expect(calendarOf(moved)).toMatchObject({ method: 'REQUEST', uid, tzid: 'Europe/London', startsAt: '2027-06-08T13:30:00.000Z' });
    expect(calendarOf(moved).sequence).toBeGreaterThan(toVictim.seq);
    expect(calendarOf(moved).location).toBe('Community centre, Market Street');

    // Cancelled: METHOD:CANCEL for the same event, higher again.
    await c.ok(f, { type: 'CANCEL_CONFERENCE', reason: 'the offender is unwell' });
    await app.services.outbox.deliverDue();
    const cancelled = (await app.services.store.notices(c.id)).find((n) => n.template === 'conference_cancelled' && n.recipient === 'victim')!;
    const called = calendarOf(mailFor(sink, cancelled.id));
    expect(called).toMatchObject({ method: 'CANCEL', uid, startsAt: '2027-06-08T13:30:00.000Z' });
    expect(called.sequence).toBeGreaterThan(calendarOf(moved).sequence);

    // Held, with an agreement: feedback links, then the victim told of the item done.
    await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2026-12-15T10:00:00Z', venue: 'Town hall' });
    app.clock.set('2026-12-15T12:00:00Z');
    await c.ok(f, {
      type: 'RECORD_OUTCOME',
      attendees: ['victim', 'offender'],
      agreement: [{ action: 'Write a letter of apology', owner: 'offender', dueDate: '2026-12-22' }],
    });
    await c.ok(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1' });
    await app.services.outbox.deliverDue();
    const notices = await app.services.store.notices(c.id);
    const feedback = notices.find((n) => n.template === 'feedback_request' && n.recipient === 'offender')!;
    const feedbackLinks = await Promise.all(respondLinks(mailFor(sink, feedback.id)).map((l) => app.services.store.linkByTokenHash(sha256(l.split('/respond/')[1]!))));
    expect(feedbackLinks.map((l) => [l?.noticeId, l?.party, l?.purpose]).sort()).toEqual([
      [feedback.id, 'offender', 'feedback'],
      [feedback.id, 'offender', 'withdrawal'],
    ]);
    const itemDone = mailFor(sink, notices.find((n) => n.template === 'agreement_item_completed')!.id);
    expect(itemDone.parsed.text).toContain('Write a letter of apology');
    expect(itemDone.parsed.text).toContain('Tuesday 22 December 2026');

    // No email to one party carries the other's name, address or phone, or the crime reference.
    const forbidden: Record<string, string[]> = {
      [victim.email]: [offender.name, offender.email, offender.phone, crimeReference],
      [offender.email]: [victim.name, victim.email, victim.phone, supporter.name, supporter.email, crimeReference],
      [supporter.email]: [offender.name, offender.email, offender.phone, victim.email, victim.phone, crimeReference],
    };
    const partyMail = sink.received.filter((m) => m.envelopeTo.some((to) => to in forbidden));
    expect(partyMail.length).toBeGreaterThanOrEqual(12);
    for (const mail of partyMail) {
      const seen = visibleText(mail);
      for (const secret of forbidden[mail.envelopeTo[0]!]!) expect(seen, `${mail.parsed.subject} to ${mail.envelopeTo[0]}`).not.toContain(secret);
    }

    // The history shows every notice sent once, with its time.
    const history = await historyNotices(app, c.id, staff.supervisor.token);
    expect(history.length).toBe(notices.length);
    for (const n of history) expect(n, `${n.template} to ${n.to}`).toMatchObject({ status: 'sent', attempts: 1, sentAt: expect.any(String) });
    await expectSentOnceOrFailed(app, sink, [c.id]);
  });

  it('sends a staff notice to every active facilitator on the case, and to every active supervisor', async () => {
    const { app, staff, sink } = env;
    const c = await newCase(app, staff);
    await c.ok(staff.supervisor.token, { type: 'REASSIGN', facilitatorIds: [staff.facilitator.id, staff.facilitator2.id] });
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    await c.ok(staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'yes' });
    await c.ok(staff.facilitator.token, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    await c.ok(staff.facilitator.token, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'concerns' }, directContactAllowed: false });
    await app.services.outbox.deliverDue();
    const notices = await app.services.store.notices(c.id);

    const reassigned = notices.filter((n) => n.template === 'allocation').sort((a, b) => a.seq - b.seq).at(-1)!;
    const allocation = mailFor(sink, reassigned.id);
    expect(allocation.envelopeTo.sort()).toEqual([staff.facilitator.email, staff.facilitator2.email].sort());
    const approval = mailFor(sink, notices.find((n) => n.template === 'approval_requested')!.id);
    expect(approval.envelopeTo.sort()).toEqual([staff.supervisor.email, staff.supervisor2.email].sort());
    expect(visibleText(approval)).not.toContain(victim.email);
    await expectSentOnceOrFailed(app, sink, [c.id]);
  });

  it('fails a staff notice for good when nobody active is left to send it to, and raises nothing about it', async () => {
    const { app, staff } = env;
    const at = app.clock().toISOString();
    const leaver = { id: randomUUID(), email: 'leaver@test.rj.local', name: 'Lee Leaver', role: 'facilitator' as const, passwordHash: 'unused', trainedFor: [], createdAt: at, disabledAt: null };
    await app.services.store.addUser(leaver);
    const created = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: referral() });
    const c = caseClient(app, created.body.case.id);
    await c.ok(staff.supervisor.token, { type: 'ACCEPT_REFERRAL', facilitatorIds: [leaver.id] });
    const db = rawDatabase(app);
    try {
      await db.run('UPDATE users SET disabled_at = ? WHERE id = ?', [at, leaver.id]);
    } finally {
      await db.close();
    }

    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 0, retried: 0, failed: 1 });
    expect((await app.services.store.notices(c.id)).map((n) => [n.template, n.status, n.lastError])).toEqual([
      ['allocation', 'failed', 'No active facilitator on this case.'],
    ]);
  });
});
