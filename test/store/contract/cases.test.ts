import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { chainHash, genesisHash } from '../../../src/store/historyChain.js';
import { sampleReferral } from '../../support/harness.js';
import { addCaseStaff, engineOver, openCase as openCaseWith, type StaffCaller } from './casework.js';
import { forEachStore, type ContractStore, type StoreUnderTest } from './stores.js';

/** Every row links to the one before it and its hash recomputes from its stored text (rule 2, the only rule either store writes now). */
async function expectChainIntact(env: StoreUnderTest) {
  const rows = await env.chainRows();
  let prev = genesisHash;
  rows.forEach((row, i) => {
    const [seq, , , , , , , , , prevHash, hash] = row;
    expect(seq).toBe(i + 1);
    expect(prevHash, `row ${seq} links to the row before it`).toBe(prev);
    expect(chainHash(prevHash, row.slice(0, 9) as Parameters<typeof chainHash>[1]), `row ${seq} recomputes`).toBe(hash);
    prev = hash;
  });
  return rows.length;
}

forEachStore('cases, events and the chain', (env) => {
  let facilitator: StaffCaller;
  let staff: Awaited<ReturnType<typeof addCaseStaff>>;
  beforeAll(async () => {
    staff = await addCaseStaff(env.store);
    facilitator = staff.facilitator;
  });
  const openCase = (store: ContractStore = env.store) => openCaseWith(store, staff);

  it('an event commits the case, its history, timers, notices and links together, and reads back the same', async () => {
    const { id, engine } = await openCase();
    const invited = await engine.submit({ caseId: id, caller: facilitator, body: { type: 'INVITE_VICTIM' } });
    expect(invited.kind, JSON.stringify(invited)).toBe('ok');
    await engine.submit({ caseId: id, caller: facilitator, body: { type: 'ADD_NOTE', text: 'Vera asked to be called after 6pm' } });
    const record = (await env.store.caseById(id))!;
    expect(record).toMatchObject({ id, version: 4, status: 'active', facilitatorIds: [facilitator.id], openTaskIds: [] });
    expect(record.reference).toMatch(/^RJ-2026-\d{6}$/);
    expect(record.referral).toEqual(sampleReferral());
    const history = await env.store.history(id);
    expect(history.map((h) => h.type)).toEqual(['REFERRAL_RECEIVED', 'ACCEPT_REFERRAL', 'INVITE_VICTIM', 'ADD_NOTE']);
    // The personal content, kept apart from the chained row, reads back with it.
    expect(history[3]!.data).toEqual({ text: 'Vera asked to be called after 6pm' });
    const rows = await env.chainRows();
    expect(rows.at(-1)![7]).not.toContain('6pm');
    const notices = await env.store.notices(id);
    expect(notices.map((n) => [n.template, n.recipient, n.status])).toContainEqual(['victim_invitation', 'victim', 'queued']);
    const invitation = notices.find((n) => n.template === 'victim_invitation')!;
    expect(invitation.seq).toBe(history[2]!.seq);
    const links = await env.store.linksForNotice(invitation.id);
    expect(links.map((l) => [l.party, l.purpose, l.caseId])).toEqual([['victim', 'invitation', id]]);
    expect((await env.store.linkByTokenHash(links[0]!.tokenHash))?.id).toBe(links[0]!.id);
    expect((await env.store.pendingTimers(id)).length).toBeGreaterThan(0);
    const details = await env.store.caseloadDetails([id], ['INVITE_VICTIM']);
    expect(details.events.map((e) => e.type)).toEqual(['INVITE_VICTIM']);
    expect(details.timers).toEqual(await env.store.pendingTimers(id));
    await expectChainIntact(env);
  });

  it('20 events racing with one If-Match over 3 instances: exactly one wins, the rest are refused as conflicts', async () => {
    const { id, version } = await openCase();
    const engines = (await env.instances(3)).map((store) => engineOver(store));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => engines[i % 3]!.submit({ caseId: id, caller: facilitator, ifMatch: version, body: { type: 'ADD_NOTE', text: `note ${i}` } })),
    );
    expect(results.filter((r) => r.kind === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'conflict')).toHaveLength(19);
    expect((await env.store.caseById(id))?.version).toBe(version + 1);
    expect((await env.store.history(id)).filter((h) => h.type === 'ADD_NOTE')).toHaveLength(1);
    await expectChainIntact(env);
  });

  it('events on many cases from 3 instances at once all commit, into one unbroken chain', async () => {
    const stores = await env.instances(3);
    const cases = await Promise.all(stores.flatMap((store) => [openCase(store), openCase(store), openCase(store)]));
    const before = (await env.chainRows()).length;
    const results = await Promise.all(
      cases.flatMap(({ id, engine }) => Array.from({ length: 4 }, (_, i) => engine.submit({ caseId: id, caller: facilitator, body: { type: 'ADD_NOTE', text: `n${i}` } }))),
    );
    expect(results.every((r) => r.kind === 'ok')).toBe(true);
    expect(await expectChainIntact(env)).toBe(before + cases.length * 4);
    for (const { id } of cases) {
      const record = (await env.store.caseById(id))!;
      expect(record.version).toBe((await env.store.history(id)).length);
    }
  });

  it('one Idempotency-Key sent to 3 instances at once commits once; the others replay its answer', async () => {
    const { id } = await openCase();
    const engines = (await env.instances(3)).map((store) => engineOver(store));
    const body = { type: 'ADD_NOTE', text: 'sent three times' };
    const results = await Promise.all(engines.map((engine) => engine.submit({ caseId: id, caller: facilitator, idempotencyKey: 'key-1', body })));
    expect(results.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok']);
    const answers = results.map((r) => (r.kind === 'ok' ? r.value : undefined));
    expect(answers.filter((a) => a?.replayed)).toHaveLength(2);
    expect(new Set(answers.map((a) => a?.case.version)).size).toBe(1);
    expect((await env.store.history(id)).filter((h) => h.type === 'ADD_NOTE')).toHaveLength(1);
    const reused = await engines[0]!.submit({ caseId: id, caller: facilitator, idempotencyKey: 'key-1', body: { type: 'ADD_NOTE', text: 'another' } });
    expect(reused.kind).toBe('invalid');
  });

  it('a single-use link answered through 2 instances at once is used once', async () => {
    const { id, engine } = await openCase();
    await engine.submit({ caseId: id, caller: facilitator, body: { type: 'INVITE_VICTIM' } });
    const invitation = (await env.store.notices(id)).find((n) => n.template === 'victim_invitation')!;
    const link = (await env.store.linksForNotice(invitation.id)).find((l) => l.purpose === 'invitation')!;
    const engines = (await env.instances(2)).map((store) => engineOver(store));
    const victim = { kind: 'party' as const, caseId: id, role: 'victim' as const };
    const answers = await Promise.all(
      engines.map((e) => e.submit({ caseId: id, caller: victim, linkId: link.id, body: { type: 'VICTIM_RESPONDED', response: 'not_now' } })),
    );
    expect(answers.map((a) => a.kind).sort()).toEqual(['linkUsed', 'ok']);
    expect((await env.store.linkByTokenHash(link.tokenHash))?.usedAt).not.toBeNull();
    await expectChainIntact(env);
  });

  it('feedback through a link is saved once, and a party session opened on one instance is found on another', async () => {
    const { id, engine } = await openCase();
    await engine.submit({ caseId: id, caller: facilitator, body: { type: 'INVITE_VICTIM' } });
    const invitation = (await env.store.notices(id)).find((n) => n.template === 'victim_invitation')!;
    const link = (await env.store.linksForNotice(invitation.id))[0]!;
    const [a, b] = await env.instances(2);
    const session = { tokenHash: randomUUID(), linkId: link.id, createdAt: '2026-11-23T09:00:00.000Z', expiresAt: '2026-11-23T10:00:00.000Z' };
    await a!.openPartySession(session);
    expect((await b!.partySessionLink(session.tokenHash, '2026-11-23T09:30:00.000Z'))?.id).toBe(link.id);
    expect(await b!.partySessionLink(session.tokenHash, '2026-11-23T10:00:00.000Z')).toBeUndefined();
    const feedback = { caseId: id, party: 'victim', linkId: link.id, rating: 4, comment: 'kind and clear', at: '2026-11-23T09:40:00.000Z' };
    const saved = await Promise.all([a!.saveFeedback(feedback), b!.saveFeedback(feedback)]);
    expect(saved.sort()).toEqual([false, true]);
    expect(await env.store.feedback(id)).toEqual([feedback]);
  });
});
