import { describe, expect, it } from 'vitest';
import type { CaseClient } from '../api/apiSteps.js';
import { days } from '../support/harness.js';
import type { SinkBehaviour } from './support/smtpSink.js';
import { expectSentOnceOrFailed, messageIdOf, newCase, victim, visibleText, withMailApp } from './support/mailApp.js';

describe('delivery when the mail server misbehaves', () => {
  // A silent server costs the timeout in real time, so it is short here.
  const env = withMailApp({ SMTP_TIMEOUT_MS: '2000' });
  const minute = 60_000;

  /** A new case whose victim invitation is queued, and that notice's id. */
  async function queuedInvitation(): Promise<{ c: CaseClient; noticeId: string }> {
    const c = await newCase(env.app, env.staff);
    await c.ok(env.staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const notice = (await env.app.services.store.notices(c.id)).find((n) => n.template === 'victim_invitation')!;
    return { c, noticeId: notice.id };
  }

  const noticeById = async (c: CaseClient, id: string) => (await env.app.services.store.notices(c.id)).find((n) => n.id === id)!;

  /** Fails once with the fault, then, the server recovered and the clock past the backoff, goes exactly once. */
  async function retriedThenSent(fault: SinkBehaviour | 'down', lastError: RegExp) {
    const { app, sink } = env;
    const { c, noticeId } = await queuedInvitation();
    if (fault === 'down') await sink.down();
    else await sink.behave(fault);

    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 0, retried: 1, failed: 0 });
    const retrying = await noticeById(c, noticeId);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, lastError: expect.stringMatching(lastError) });
    const wait = Date.parse(retrying.nextAttemptAt!) - app.clock().getTime();
    expect(wait).toBeGreaterThanOrEqual(15_000);
    expect(wait).toBeLessThanOrEqual(30_000);

    if (fault === 'down') await sink.up();
    else await sink.behave('accept');
    expect(await app.services.outbox.deliverDue(), 'not due before the backoff').toEqual({ sent: 0, retried: 0, failed: 0 });
    app.clock.advance(minute);
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(await noticeById(c, noticeId)).toMatchObject({ status: 'sent', attempts: 2, sentAt: app.clock().toISOString() });
    expect(sink.copies().get(messageIdOf(noticeId))).toBe(1);

    const history = await app.request('GET', `/api/cases/${c.id}/history`, { token: env.staff.facilitator.token });
    expect(history.body.notices.find((n: { id: string }) => n.id === noticeId)).toMatchObject({ status: 'sent', attempts: 2, lastError: expect.stringMatching(lastError) });
    await expectSentOnceOrFailed(app, sink, [c.id]);
  }

  it('retries when the server is down (connection refused), then sends once it is back', () =>
    retriedThenSent('down', /^Could not connect to the mail server \(connection refused\)\.$/));

  it('retries after 421 on connect', () => retriedThenSent('refuse421OnConnect', /^The mail server replied on connecting: 421 /));

  it('retries after 451 at the end of DATA', () => retriedThenSent('defer451AfterData', /^The mail server replied to DATA: 451 /));

  it('retries when the reply to DATA never comes; a copy the server kept carries the same Message-ID', async () => {
    const { app, sink } = env;
    const { c, noticeId } = await queuedInvitation();
    await sink.behave('hold');
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await noticeById(c, noticeId)).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'The mail server did not answer in time.' });

    await sink.behave('accept');
    app.clock.advance(minute);
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(await noticeById(c, noticeId)).toMatchObject({ status: 'sent', attempts: 2 });
    // The silent server had read the first attempt whole: at most this one duplicate, recognisable by its Message-ID.
    const copies = sink.received.filter((m) => m.messageId === messageIdOf(noticeId));
    expect(copies).toHaveLength(2);
    expect(copies[0]!.parsed.text).toBe(copies[1]!.parsed.text);
    await expectSentOnceOrFailed(app, sink, [c.id], [noticeId]);
  });

  it('fails a party notice at once on 550 at RCPT and tells the facilitators, without their address', async () => {
    const { app, sink, staff } = env;
    sink.forget(victim.email);
    const { c, noticeId } = await queuedInvitation();
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 1 });

    const notices = await app.services.store.notices(c.id);
    expect(notices.find((n) => n.id === noticeId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'The mail server replied to RCPT TO: 550 5.1.1 <[address]>: no such mailbox here.',
    });
    const undeliverable = notices.find((n) => n.template === 'notice_undeliverable')!;
    expect(undeliverable).toMatchObject({
      recipient: 'facilitators',
      status: 'sent',
      data: { noticeId, template: 'victim_invitation', to: 'victim', lastError: expect.stringContaining('550') },
    });
    const told = sink.received.find((m) => m.messageId === messageIdOf(undeliverable.id))!;
    expect(told.envelopeTo).toEqual([staff.facilitator.email]);
    expect(visibleText(told)).not.toContain(victim.email);

    const view = await app.request('GET', `/api/cases/${c.id}`, { token: staff.facilitator.token });
    expect(view.body.case.tasks).toEqual([expect.objectContaining({ noticeId, to: 'victim' })]);
    await expectSentOnceOrFailed(app, sink, [c.id]);
  });

  it('never raises an undeliverable notice about a staff notice', async () => {
    const { app, sink, staff } = env;
    await sink.behave('reject550AtRcpt');
    const c = await newCase(app, staff);
    const notices = await app.services.store.notices(c.id);
    expect(notices.map((n) => [n.template, n.status])).toEqual([['allocation', 'failed']]);
    await sink.behave('accept');
    await expectSentOnceOrFailed(app, sink, [c.id]);
  });

  it('gives up after 48 hours of transient failures: failed, saying so, and the facilitators told', async () => {
    const { app, sink } = env;
    const { c, noticeId } = await queuedInvitation();
    const createdAt = app.clock().getTime();
    await sink.behave('defer451AfterData');
    let notice = await noticeById(c, noticeId);
    while (notice.status === 'queued' || notice.status === 'retrying') {
      if (notice.nextAttemptAt) app.clock.set(notice.nextAttemptAt);
      await app.services.outbox.deliverDue();
      notice = await noticeById(c, noticeId);
    }
    expect(notice).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/^The mail server replied to DATA: 451 .* Gave up after \d+ attempts over 48 hours\.$/) });
    expect(notice.attempts).toBeGreaterThan(40);
    expect(app.clock().getTime() - createdAt).toBeLessThanOrEqual(days(2));
    expect(app.clock().getTime() - createdAt).toBeGreaterThan(days(2) - 60 * minute);

    // The notice to the facilitators met the same failing server; it goes once the server recovers.
    await sink.behave('accept');
    app.clock.advance(minute);
    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect((await app.services.store.notices(c.id)).filter((n) => n.template === 'notice_undeliverable')).toEqual([
      expect.objectContaining({ status: 'sent', data: expect.objectContaining({ noticeId }) }),
    ]);
    await expectSentOnceOrFailed(app, sink, [c.id]);
  });
});
