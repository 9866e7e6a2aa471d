import { expect, it } from 'vitest';
import { createScheduler } from '../../../src/cases/scheduler.js';
import { createLogger } from '../../../src/logger.js';
import { days, testClock } from '../../support/harness.js';
import { addCaseStaff, engineOver, openCase } from './casework.js';
import { forEachStore } from './stores.js';

/**
 * Timers swept by several instances at once. On PostgreSQL each instance claims due rows with a lease; on
 * SQLite, one process has the file, so its one store stands for every instance. Either way a timer fires once.
 * (Notices: outboxClaims.test.ts.)
 */
forEachStore('claiming timers', (env) => {
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
    const schedulers = instances.map((store, i) => createScheduler({ store, engine: engines[i]!, clock, logger, intervalMs: 1000, batch: 100 }));
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

});
