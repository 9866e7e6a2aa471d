import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { openCase } from '../support/harness.js';
import { mailFor, messageIdOf, referral, withMailApp } from './support/mailApp.js';

describe('a notice whose message cannot be built, for a reason the outbox does not know', () => {
  const env = withMailApp();

  it('waits for a retry, sends nothing meanwhile, lets the rest of the queue go, and goes once the cause is gone', async () => {
    const { app, staff, sink } = env;
    const [broken, sound] = [await openCase(app, staff, referral()), await openCase(app, staff, referral())];
    const [brokenNotice] = await app.services.store.notices(broken);
    const [soundNotice] = await app.services.store.notices(sound);
    // A case written by a release that knows a newer chart: this one cannot restore it, so the composer throws a plain Error.
    const side = openDatabase(app.dbPath);
    const setMachineVersion = side.prepare('UPDATE cases SET machine_version = ? WHERE id = ?');
    const stored = side.prepare('SELECT machine_version FROM cases WHERE id = ?').pluck().get(broken) as number;
    try {
      setMachineVersion.run(999, broken);

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

      setMachineVersion.run(stored, broken);
      app.clock.advance(wait);
      expect(await app.services.outbox.deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
      mailFor(sink, brokenNotice!.id);
      expect(await app.services.store.notices(broken)).toMatchObject([{ status: 'sent', attempts: 2 }]);
    } finally {
      side.close();
    }
  });
});
