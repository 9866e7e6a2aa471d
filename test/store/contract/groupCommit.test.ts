import { expect, it } from 'vitest';
import { currentMachineVersion, startCase } from '../../../machines/case/index.js';
import type { CaseRecord, EventCommit } from '../../../src/store/store.js';
import { storeCaseIn } from '../../support/storedCase.js';
import { forEachStore, type ContractStore } from './stores.js';

const at = '2026-11-23T09:00:00.000Z';
const actor = { kind: 'user' as const, id: 'u1', role: 'supervisor' };

const newCase = (store: ContractStore, id: string): Promise<CaseRecord> => storeCaseIn(store, id, currentMachineVersion, startCase({ flags: {} }).snapshot, at);

const note = (c: CaseRecord, notices: EventCommit['notices'] = []): EventCommit => ({
  next: { stage: c.stage, status: c.status, paused: c.paused, clocks: c.clocks, oversight: c.oversight, snapshot: c.snapshot, facilitatorIds: c.facilitatorIds },
  history: { type: 'ADD_NOTE', actor, at, from: 'referral', to: 'referral', data: { text: 'x' } },
  timers: [],
  cancelTimerKeys: [],
  stopContactWith: [],
  notices,
  links: [],
});

const queued = (id: string) => ({ id, template: 'allocation', recipient: 'facilitators', data: {}, status: 'queued' as const });

/**
 * The writes that arrive together share one transaction (group commit), and each runs in its own savepoint:
 * one that fails rolls back alone. One that ends the whole transaction (a full disk, a lost connection) takes
 * the batch with it, and none of it is kept.
 */
forEachStore('group commit', (env) => {
  it('rolls back only the write that failed; the others in the same batch commit', async () => {
    const { store } = env;
    const [a, b] = await Promise.all([newCase(store, 'case-a'), newCase(store, 'case-b')]);
    // Both writes are issued in one turn of the event loop, so they share one transaction.
    // A's second notice breaks the primary key after its case update and history row were written.
    const [failed, committed] = await Promise.allSettled([
      store.commitEvent(a.id, undefined, (c) => ({ kind: 'commit', commit: note(c!, [queued('same-id'), queued('same-id')]) })),
      store.commitEvent(b.id, undefined, (c) => ({ kind: 'commit', commit: note(c!) })),
    ]);
    expect(failed.status).toBe('rejected');
    expect(committed.status).toBe('fulfilled');
    expect((await store.caseById(a.id))!.version).toBe(1);
    expect((await store.history(a.id)).map((e) => e.type)).toEqual(['REFERRAL_RECEIVED']);
    expect(await store.notices(a.id)).toEqual([]);
    expect((await store.caseById(b.id))!.version).toBe(2);
    expect((await store.history(b.id)).map((e) => e.type)).toEqual(['REFERRAL_RECEIVED', 'ADD_NOTE']);
    expect(await store.verifyChain()).toEqual({ ok: true, events: 3 });
  });

  it("takes the outbox's writes into the same batches: one refused rolls back alone, the writes beside it commit", async () => {
    const { store } = env;
    const outbox = env.mailQueues(store).notices;
    const c = await newCase(store, 'case-c');
    await store.commitEvent(c.id, undefined, (current) => ({ kind: 'commit', commit: note(current!, [queued('refused'), queued('accepted')]) }));
    const lift = await env.failWrites({ on: 'UPDATE OF status ON notices', when: "NEW.status = 'sent' AND NEW.id = 'refused'", breaks: 'statement', message: 'refused' });
    try {
      const refusing = outbox.recordSent('refused', at);
      const accepting = outbox.recordSent('accepted', at);
      const committing = store.commitEvent(c.id, undefined, (current) => ({ kind: 'commit', commit: note(current!) }));
      const [refused, accepted, event] = await Promise.allSettled([refusing, accepting, committing]);
      expect(refused).toMatchObject({ status: 'rejected', reason: { message: 'refused' } });
      expect(accepted.status).toBe('fulfilled');
      expect(event.status).toBe('fulfilled');
    } finally {
      await lift();
    }
    expect(Object.fromEntries((await store.notices(c.id)).map((n) => [n.id, n.status]))).toEqual({ refused: 'queued', accepted: 'sent' });
    expect((await store.caseById(c.id))!.version).toBe(3);
  });

  it('when one write ends the whole transaction, every write of the batch is refused and none is kept; the next batch commits', async () => {
    const { store } = env;
    const [d, e] = await Promise.all([newCase(store, 'case-d'), newCase(store, 'case-e')]);
    const lift = await env.failWrites({ on: 'INSERT ON notices', when: "NEW.id = 'ends-it'", breaks: 'transaction', message: 'the disk is full' });
    try {
      const outcomes = await Promise.allSettled([
        store.commitEvent(d.id, undefined, (c) => ({ kind: 'commit', commit: note(c!, [queued('ends-it')]) })),
        store.commitEvent(e.id, undefined, (c) => ({ kind: 'commit', commit: note(c!) })),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await lift();
    }
    expect([(await store.caseById(d.id))!.version, (await store.caseById(e.id))!.version]).toEqual([1, 1]);
    expect((await store.history(e.id)).map((h) => h.type)).toEqual(['REFERRAL_RECEIVED']);
    await store.commitEvent(e.id, undefined, (c) => ({ kind: 'commit', commit: note(c!) }));
    expect((await store.caseById(e.id))!.version).toBe(2);
    expect((await store.verifyChain()).ok).toBe(true);
  });
});
