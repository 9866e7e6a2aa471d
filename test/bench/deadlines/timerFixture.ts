import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../../src/store/database.js';
import type { Services } from '../../../src/services.js';
import { testClock, type TestClock } from '../../support/harness.js';
import { accepted, addBenchStaff, benchServices, callerFor, inParallel, openCases } from '../fixtures.js';

const start = '2026-11-23T09:00:00.000Z';
/** Invitation reminders fall due seven days after the invitation (the default INVITATION_REMINDER_AFTER). */
const firstDue = Date.parse(start) + 7 * 86_400_000;
const fillerFrom = Date.parse(start) + 60 * 86_400_000;
const fillerCases = 1000;

export interface TimerFixture {
  services: Services;
  clock: TestClock;
  pending: number;
  /** Sets the clock so that exactly the next `count` real reminders are due. */
  makeDue(count: number): void;
  close(): void;
}

/**
 * A database with `pending` pending timers of which `fireable` are real
 * invitation reminders on invited cases, due one second apart from day 7, so
 * a sweep can be given exactly n due timers. The rest are far-future filler
 * rows on cases of their own, so firing a reminder never touches them.
 */
export async function timerFixture(path: string, pending: number, fireable: number): Promise<TimerFixture> {
  const clock = testClock(start);
  const services = await benchServices(path, clock);
  const staff = await addBenchStaff(services);
  const ids = await openCases(services, staff, fireable);
  await inParallel(ids.length, 32, async (i) => {
    accepted('invite', await services.engine.submit({ caseId: ids[i]!, body: { type: 'INVITE_VICTIM' }, caller: callerFor(staff.facilitator) }));
  });

  const db = openDatabase(path, { migrate: false });
  try {
    db.transaction(() => {
      const reminders = db.prepare("SELECT id FROM timers WHERE key = 'invitationReminder' AND status = 'pending' ORDER BY id").pluck().all() as number[];
      const stagger = db.prepare('UPDATE timers SET due_at = ? WHERE id = ?');
      reminders.forEach((id, n) => stagger.run(new Date(firstDue + n * 1000).toISOString(), id));

      const already = db.prepare("SELECT count(*) FROM timers WHERE status = 'pending'").pluck().get() as number;
      const copyCase = db.prepare(
        `INSERT INTO cases (id, reference, machine_version, version, stage, status, paused, snapshot, referral, created_at, updated_at)
         SELECT ?, ?, machine_version, version, stage, status, paused, snapshot, referral, created_at, updated_at FROM cases WHERE id = ?`,
      );
      const fillers = Array.from({ length: fillerCases }, (_, n) => {
        const id = randomUUID();
        copyCase.run(id, `RJ-FILLER-${n}`, ids[0]);
        return id;
      });
      const filler = db.prepare(
        "INSERT INTO timers (case_id, key, event, due_at, status, created_seq) VALUES (?, 'invitationReminder', '{\"type\":\"INVITATION_REMINDER_DUE\"}', ?, 'pending', 0)",
      );
      for (let n = 0; n < pending - already; n++) filler.run(fillers[n % fillerCases], new Date(fillerFrom + n * 60_000).toISOString());
    })();
  } finally {
    db.close();
  }

  let nextDue = 0;
  return {
    services,
    clock,
    pending,
    makeDue(count) {
      nextDue += count;
      clock.set(new Date(firstDue + (nextDue - 1) * 1000 + 500).toISOString());
    },
    close: () => services.store.close(),
  };
}
