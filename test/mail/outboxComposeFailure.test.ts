import { describe, expect, it } from 'vitest';
import { openCase } from '../support/harness.js';
import { rawDatabase } from '../support/rawDatabase.js';
import { mailFor, messageIdOf, referral, withMailApp } from './support/mailApp.js';

describe('a notice whose message cannot be built, for a reason the outbox does not know', () => {
  const env = withMailApp();

  it('waits for a retry, sends nothing meanwhile, lets the rest of the queue go, and goes once the cause is gone', async () => {
    const { app, staff, sink } = env;
    const [broken, sound] = [await openCase(app, staff, referral()), await openCase(app, staff, referral())];
    const [brokenNotice] = await app.services.store.notices(broken);
    const [soundNotice] = await app.services.store.notices(sound);
    // A case written by a release that knows a newer chart: this one cannot restore it, so the composer throws a plain Error.
    const side = rawDatabase(app);
    const setMachineVersion = (version: number) => side.run('UPDATE cases SET machine_version = ? WHERE id = ?', [version, broken]);
    const [{ stored }] = (await side.all<{ stored: number }>('SELECT machine_version AS stored FROM cases WHERE id = ?', [broken])) as [{ stored: number }];
    try {
      await setMachineVersion(999);

      expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 1, failed: 0 });
      mailFor(sink, soundNotice!.id);
      expect(sink.copies().get(messageIdOf(brokenNotice!.id))).toBeUndefined();
      const [waiting] = await app.services.store.notices(broken);
      expect(waiting).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'Sending failed (Error).' });
      const wait = Date.parse(waiting!.nextAttemptAt!) - app.clock().getTime();
      expect(wait).toBeGreaterThanOrEqual(15_000);
      expect(wait).toBeLessThanOrEqual(30_000);

      // Before its time comes round, a pass leaves it alone.
      expect(await app.services.outbox.deliverDue()).toEqual({ sent: 0, retried: 0, failed: 0 });

      await setMachineVersion(stored);
      app.clock.advance(wait);
      expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
      mailFor(sink, brokenNotice!.id);
      expect(await app.services.store.notices(broken)).toMatchObject([{ status: 'sent', attempts: 2 }]);
    } finally {
      await side.close();
    }
  });
});
