import { expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createComposer } from '../../../src/mail/composeNotice.js';
import { createOutbox } from '../../../src/mail/outbox.js';
import { createMailTransport } from '../../../src/mail/transport.js';
import { testClock } from '../../support/harness.js';
import { startSmtpSink } from '../../mail/support/smtpSink.js';
import { addCaseStaff, config, engineOver, linkTokens, openCase } from './casework.js';
import { forEachStore } from './stores.js';

/**
 * Notices sent by several instances' outboxes at once. On PostgreSQL each instance claims due notices with a
 * lease; on SQLite one process has the file, so there is one outbox. Either way each is delivered once.
 */
forEachStore('claiming notices', (env) => {
  const logger = createLogger('silent');
  const clock = testClock('2026-11-23T09:00:00Z');
  const cases = 40;
  const caseIds: string[] = [];

  it('queues an allocation and an invitation for each of 40 cases', async () => {
    const staff = await addCaseStaff(env.store);
    const engine = engineOver(env.store, clock);
    for (let i = 0; i < cases; i += 20) {
      const opened = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const c = await openCase(env.store, staff, engine);
          expect((await engine.submit({ caseId: c.id, caller: staff.facilitator, body: { type: 'INVITE_VICTIM' } })).kind).toBe('ok');
          return c.id;
        }),
      );
      caseIds.push(...opened);
    }
    expect((await Promise.all(caseIds.map((id) => env.store.notices(id)))).flat()).toHaveLength(2 * cases);
  });

  it("every notice those cases queued, sent by three instances' outboxes at once: each delivered once, with its own Message-ID", async () => {
    const sink = await startSmtpSink();
    const instances = [...new Set(await env.instances(3))];
    const outboxes = instances.map((store) => {
      const outboxStore = env.mailQueues(store).notices;
      return createOutbox({
        outboxStore,
        transport: createMailTransport({ smtpUrl: sink.url, smtpTimeoutMs: 5000, mailDir: '' }, clock),
        compose: createComposer({ store, outboxStore, linkTokens, config }),
        clock,
        logger,
        intervalMs: 1000,
      });
    });
    try {
      const counts = await Promise.all(outboxes.map((o) => o.deliverDue()));
      const sent = counts.reduce((a, c) => a + c.sent, 0);
      const noticeIds = (await Promise.all(caseIds.map((id) => env.store.notices(id)))).flat().map((n) => n.id);
      expect(noticeIds).toHaveLength(2 * cases);
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
