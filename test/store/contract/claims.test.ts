import { expect, it } from 'vitest';
import { createScheduler } from '../../../src/cases/scheduler.js';
import { createLogger } from '../../../src/logger.js';
import { createComposer } from '../../../src/mail/composeNotice.js';
import { createOutbox } from '../../../src/mail/outbox.js';
import { createMailTransport } from '../../../src/mail/transport.js';
import { days, testClock } from '../../support/harness.js';
import { startSmtpSink } from '../../mail/support/smtpSink.js';
import { addCaseStaff, config, engineOver, linkTokens, openCase } from './casework.js';
import { forEachStore } from './stores.js';

/**
 * Timers and notices worked by several instances at once. On PostgreSQL each instance claims due rows
 * with a lease; on SQLite, one process has the file, so its one store stands for every instance. Either
 * way a timer fires once and a notice is delivered once.
 */
forEachStore('claiming timers and notices', (env) => {
  const logger = createLogger('silent');
  const clock = testClock('2026-11-23T09:00:00Z');
  const cases = 500;
  const caseIds: string[] = [];

  it('1,000 timers falling due while three instances sweep: each fires once, in due order within its case', async () => {
    const staff = await addCaseStaff(env.store);
    const instances = await env.instances(3);
    const engines = instances.map((store) => engineOver(store, clock));
    // Each invitation sets two timers: a reminder after a week, an expiry after three.
    for (let i = 0; i < cases; i += 60) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(60, cases - i) }, async (_, j) => {
          const engine = engines[j % engines.length]!;
          const c = await openCase(env.store, staff, engine);
          const invited = await engine.submit({ caseId: c.id, caller: staff.facilitator, body: { type: 'INVITE_VICTIM' } });
          expect(invited.kind).toBe('ok');
          return c.id;
        }),
      );
      caseIds.push(...opened);
    }
    clock.advance(days(22));

    // Three schedulers even where the instances share one store: the store must still refuse a second firing.
    const schedulers = instances.map((store, i) => createScheduler({ store: store as never, engine: engines[i]!, clock, logger, intervalMs: 1000, batch: 100 }));
    const fired = await Promise.all(schedulers.map((s) => s.sweep()));

    expect(fired.reduce((a, b) => a + b, 0)).toBe(2 * cases);
    const { timers, events } = await env.store.caseloadDetails(caseIds, ['INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED']);
    expect(timers).toEqual([]);
    expect(events).toHaveLength(2 * cases);
    for (const id of caseIds) expect(events.filter((e) => e.caseId === id).map((e) => e.type)).toEqual(['INVITATION_REMINDER_DUE', 'INVITATION_EXPIRED']);
    expect(await Promise.all(schedulers.map((s) => s.sweep()))).toEqual([0, 0, 0]);
  }, 120_000);

  it('a timer already fired is refused whole, not fired again', async () => {
    const staff = await addCaseStaff(env.store);
    const engine = engineOver(env.store, clock);
    const c = await openCase(env.store, staff, engine);
    caseIds.push(c.id);
    await engine.submit({ caseId: c.id, caller: staff.facilitator, body: { type: 'INVITE_VICTIM' } });
    clock.advance(days(8));
    const [reminder] = await env.store.dueTimers(clock().toISOString(), 1000).then((due) => due.filter((t) => t.caseId === c.id));
    expect(reminder).toMatchObject({ key: 'invitationReminder' });
    expect((await engine.fireTimer(reminder!)).kind).toBe('ok');
    const versionAfter = (await env.store.caseById(c.id))!.version;
    // The same row again, as a second instance holding a stale copy would fire it.
    expect(await engine.fireTimer(reminder!)).toEqual({ kind: 'notFound' });
    expect((await env.store.caseById(c.id))!.version).toBe(versionAfter);
    expect((await env.store.history(c.id)).filter((h) => h.type === 'INVITATION_REMINDER_DUE')).toHaveLength(1);
  });

  it("every notice those cases queued, sent by the instances' outboxes at once: each delivered once, with its own Message-ID", async () => {
    const sink = await startSmtpSink();
    const instances = [...new Set(await env.instances(3))];
    const outboxes = instances.map((store) => {
      const outboxStore = env.mailQueues(store).notices;
      return createOutbox({
        outboxStore,
        transport: createMailTransport({ smtpUrl: sink.url, smtpTimeoutMs: 5000, mailDir: '' }, clock),
        compose: createComposer({ store: store as never, outboxStore, linkTokens, config }),
        clock,
        logger,
        intervalMs: 1000,
      });
    });
    try {
      const counts = await Promise.all(outboxes.map((o) => o.deliverDue()));
      const sent = counts.reduce((a, c) => a + c.sent, 0);
      const noticeIds = (await Promise.all(caseIds.map((id) => env.store.notices(id)))).flat().map((n) => n.id);
      // Per case: the facilitator's allocation, the victim's invitation and reminder, and more.
      expect(noticeIds.length).toBeGreaterThanOrEqual(3 * cases);
      expect(sent).toBe(noticeIds.length);
      const ids = sink.received.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(noticeIds.map((id) => `<notice-${id}@rj.test.example>`).sort());
      // The work was shared: every instance sent some.
      expect(counts.every((c) => c.sent > 0)).toBe(true);
    } finally {
      await Promise.all(outboxes.map((o) => o.stop()));
      await sink.close();
    }
  }, 120_000);

  it('a notice claimed and given back, as a stopping outbox gives back what it did not attempt, is claimed at once by another instance', async () => {
    const staff = await addCaseStaff(env.store);
    const engine = engineOver(env.store, clock);
    const c = await openCase(env.store, staff, engine);
    await engine.submit({ caseId: c.id, caller: staff.facilitator, body: { type: 'INVITE_VICTIM' } });
    const [a, b] = await env.instances(2);
    const now = clock().toISOString();
    const claimed = (await env.mailQueues(a!).notices.dueNotices(now, 1000)).filter((n) => n.caseId === c.id);
    expect(claimed.map((n) => n.template).sort()).toEqual(['allocation', 'victim_invitation']);
    await env.mailQueues(a!).notices.release(claimed.map((n) => n.id));
    const again = (await env.mailQueues(b!).notices.dueNotices(now, 1000)).filter((n) => n.caseId === c.id);
    expect(again.map((n) => n.id).sort()).toEqual(claimed.map((n) => n.id).sort());
  });
});
