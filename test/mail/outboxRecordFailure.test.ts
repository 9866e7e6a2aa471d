import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/harness.js';
import { failWrites } from '../support/rawDatabase.js';
import { expectSentOnceOrFailed, messageIdOf, newCase, secondOutbox, withMailApp } from './support/mailApp.js';

/** A real refusal from the database: a trigger, added over a second connection, aborts any update that marks a notice sent. */
const refuseSentRecords = (app: TestApp) =>
  failWrites({ path: app.dbPath, url: app.services.config.databaseUrl }, { on: 'UPDATE OF status ON notices', when: "NEW.status = 'sent'", breaks: 'statement', message: 'the disk is full' });

describe('a notice sent whose record the database refuses', () => {
  const env = withMailApp();

  it('is not sent again while the refusal lasts, and is recorded as sent once it ends', async () => {
    const { app, staff, sink } = env;
    const c = await newCase(app, staff);
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const waiting = (await app.services.store.notices(c.id)).filter((n) => n.status === 'queued');
    expect(waiting.map((n) => n.template)).toEqual(['victim_invitation']);
    const before = sink.received.length;

    const lift = await refuseSentRecords(app);
    try {
      expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(sink.received.length - before).toBe(1);
      expect((await app.services.store.notices(c.id)).filter((n) => n.status === 'queued')).toHaveLength(1);

      // Still due in the database, but this process knows they left: the next pass sends nothing.
      expect(await app.services.outbox.deliverDue()).toEqual({ sent: 0, retried: 0, failed: 0 });
      expect(sink.received.length - before).toBe(1);
    } finally {
      await lift();
    }

    expect(await app.services.outbox.deliverDue()).toEqual({ sent: 0, retried: 0, failed: 0 });
    const after = await app.services.store.notices(c.id);
    for (const n of waiting) expect(after.find((a) => a.id === n.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sink.received.length - before).toBe(1);
    await expectSentOnceOrFailed(app, sink, [c.id]);
  });

  it('is recorded when the outbox stops, if the refusal has ended by then', async () => {
    const { app, staff, sink } = env;
    const c = await newCase(app, staff);
    await c.ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
    const invitation = (await app.services.store.notices(c.id)).find((n) => n.template === 'victim_invitation')!;

    const lift = await refuseSentRecords(app);
    const outbox = await secondOutbox(app);
    try {
      expect(await outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect((await app.services.store.notices(c.id)).find((n) => n.id === invitation.id)!.status).toBe('queued');
    } finally {
      await lift();
    }
    await outbox.stop();
    expect((await app.services.store.notices(c.id)).find((n) => n.id === invitation.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sink.copies().get(messageIdOf(invitation.id))).toBe(1);
  });
});
