import { afterAll, describe, expect, it } from 'vitest';
import { addStaff, openCase, tempDir, testClock } from '../support/harness.js';
import { expectSentOnceOrFailed, referral, startMailApp } from './support/mailApp.js';
import { startSmtpSink } from './support/smtpSink.js';

describe('stopping the app partway through delivery', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('finishes the sends in flight, and a new app on the same database sends the rest: each exactly once', async () => {
    const sink = await startSmtpSink();
    const dbPath = `${tmp.dir}/rj.sqlite`;
    const clock = testClock();
    const first = await startMailApp(dbPath, sink, clock);
    const staff = await addStaff(first.services);
    const caseIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = await openCase(first, staff, referral());
      const invited = await first.request('POST', `/api/cases/${id}/events`, { token: staff.facilitator.token, body: { type: 'INVITE_VICTIM' } });
      expect(invited.status).toBe(200);
      caseIds.push(id);
    }
    const queued = (await Promise.all(caseIds.map((id) => first.services.store.notices(id)))).flat();
    expect(queued).toHaveLength(24);

    // The sink holds the first messages unanswered, so the stop lands while they are in flight.
    await sink.behave('hold');
    const delivering = first.services.outbox.deliverDue();
    await sink.untilHeld(4);
    const stopping = first.services.outbox.stop();
    sink.release();
    await stopping;
    expect(await delivering).toEqual({ sent: 4, retried: 0, failed: 0 });
    await first.stop();

    const second = await startMailApp(dbPath, sink, clock);
    try {
      await sink.behave('accept');
      expect(await second.services.outbox.deliverDue()).toEqual({ sent: 20, retried: 0, failed: 0 });
      const notices = (await Promise.all(caseIds.map((id) => second.services.store.notices(id)))).flat();
      expect(notices.map((n) => n.status)).toEqual(Array(24).fill('sent'));
      expect(sink.received).toHaveLength(24);
      await expectSentOnceOrFailed(second, sink, caseIds);
    } finally {
      await second.stop();
      await sink.close();
    }
  });
});
