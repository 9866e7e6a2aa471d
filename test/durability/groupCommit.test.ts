import { afterAll, describe, expect, it } from 'vitest';
import { currentMachineVersion, startCase } from '../../machines/case/index.js';
import type { CaseRecord, EventCommit, Store } from '../../src/store/store.js';
import { openDatabase } from '../../src/store/database.js';
import { createSqliteOutboxStore } from '../../src/store/sqlite/outbox.js';
import { createSqliteStore } from '../../src/store/sqliteStore.js';
import { tempDir } from '../support/harness.js';
import { storeCaseIn } from '../support/storedCase.js';

const at = '2026-11-23T09:00:00.000Z';
const actor = { kind: 'user' as const, id: 'u1', role: 'supervisor' };

async function newCase(store: Store, id: string): Promise<CaseRecord> {
  return storeCaseIn(store, id, currentMachineVersion, startCase({ flags: {} }).snapshot, at);
}

const note = (c: CaseRecord, notices: EventCommit['notices'] = []): EventCommit => ({
  next: { stage: c.stage, status: c.status, paused: c.paused, clocks: c.clocks, oversight: c.oversight, snapshot: c.snapshot, facilitatorIds: c.facilitatorIds },
  history: { type: 'ADD_NOTE', actor, at, from: 'referral', to: 'referral', data: { text: 'x' } },
  timers: [],
  cancelTimerKeys: [],
  stopContactWith: [],
  notices,
  links: [],
});

describe('group commit', () => {
  const tmp = tempDir();
  const db = openDatabase(`${tmp.dir}/rj.sqlite`);
  const store = createSqliteStore(db);
  const outboxStore = createSqliteOutboxStore(db);
  afterAll(() => {
    store.close();
    tmp.remove();
  });

  it('rolls back only the write that failed; the others in the same batch commit', async () => {
    const [a, b] = await Promise.all([newCase(store, 'case-a'), newCase(store, 'case-b')]);
    const notice = { id: 'same-id', template: 'allocation', recipient: 'facilitators', data: {}, status: 'queued' as const };
    // Both writes are issued in one turn of the event loop, so they share one transaction.
    // A's second notice breaks the primary key after its case update and history row were written.
    const [failed, committed] = await Promise.allSettled([
      store.commitEvent(a!.id, undefined, (c) => ({ kind: 'commit', commit: note(c!, [notice, notice]) })),
      store.commitEvent(b!.id, undefined, (c) => ({ kind: 'commit', commit: note(c!) })),
    ]);
    expect(failed.status).toBe('rejected');
    expect(committed.status).toBe('fulfilled');
    expect((await store.caseById(a!.id))!.version).toBe(1);
    expect((await store.history(a!.id)).map((e) => e.type)).toEqual(['REFERRAL_RECEIVED']);
    expect(await store.notices(a!.id)).toEqual([]);
    expect((await store.caseById(b!.id))!.version).toBe(2);
    expect((await store.history(b!.id)).map((e) => e.type)).toEqual(['REFERRAL_RECEIVED', 'ADD_NOTE']);
    expect(await store.verifyChain()).toEqual({ ok: true, events: 3 });
  });

  it("takes the outbox's writes into the same batches: one refused rolls back alone, the writes beside it commit", async () => {
    const c = await newCase(store, 'case-c');
    const notice = (id: string) => ({ id, template: 'allocation', recipient: 'facilitators', data: {}, status: 'queued' as const });
    await store.commitEvent(c.id, undefined, (current) => ({ kind: 'commit', commit: note(current!, [notice('refused'), notice('accepted')]) }));
    db.exec(`CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON notices WHEN NEW.status = 'sent' AND NEW.id = 'refused'
             BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    try {
      const refusing = outboxStore.recordSent('refused', at);
      const accepting = outboxStore.recordSent('accepted', at);
      const committing = store.commitEvent(c.id, undefined, (current) => ({ kind: 'commit', commit: note(current!) }));
      // Nothing is written until the batch commits.
      expect((await store.notices(c.id)).map((n) => n.status)).toEqual(['queued', 'queued']);
      const [refused, accepted, event] = await Promise.allSettled([refusing, accepting, committing]);
      expect(refused).toMatchObject({ status: 'rejected', reason: { message: 'refused' } });
      expect(accepted.status).toBe('fulfilled');
      expect(event.status).toBe('fulfilled');
    } finally {
      db.exec('DROP TRIGGER refuse_sent');
    }
    expect(Object.fromEntries((await store.notices(c.id)).map((n) => [n.id, n.status]))).toEqual({ refused: 'queued', accepted: 'sent' });
    expect((await store.caseById(c.id))!.version).toBe(3);
  });

  it('when one write ends the whole transaction (as a full disk does), every write of the batch is refused and none is kept', async () => {
    const [d, e] = await Promise.all([newCase(store, 'case-d'), newCase(store, 'case-e')]);
    db.exec(`CREATE TRIGGER end_transaction BEFORE INSERT ON notices WHEN NEW.id = 'ends-it'
             BEGIN SELECT RAISE(ROLLBACK, 'the disk is full'); END`);
    try {
      const notice = { id: 'ends-it', template: 'allocation', recipient: 'facilitators', data: {}, status: 'queued' as const };
      const outcomes = await Promise.allSettled([
        store.commitEvent(d.id, undefined, (c) => ({ kind: 'commit', commit: note(c!, [notice]) })),
        store.commitEvent(e.id, undefined, (c) => ({ kind: 'commit', commit: note(c!) })),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    } finally {
      db.exec('DROP TRIGGER end_transaction');
    }
    expect([(await store.caseById(d.id))!.version, (await store.caseById(e.id))!.version]).toEqual([1, 1]);
    expect((await store.history(e.id)).map((h) => h.type)).toEqual(['REFERRAL_RECEIVED']);
  });
});
