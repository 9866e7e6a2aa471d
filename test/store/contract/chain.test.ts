import { beforeAll, expect, it } from 'vitest';
import { addCaseStaff, openCase } from './casework.js';
import { forEachStore, type StoreUnderTest } from './stores.js';

/** Three cases, each with a note (its personal content kept apart from the row): the note rows' seqs, oldest first. */
async function casesWithNotes(env: StoreUnderTest) {
  const staff = await addCaseStaff(env.store);
  const cases: { id: string; noteSeq: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const { id, engine } = await openCase(env.store, staff);
    await engine.submit({ caseId: id, caller: staff.facilitator, body: { type: 'ADD_NOTE', text: `note on case ${i}` } });
    const rows = await env.chainRows();
    cases.push({ id, noteSeq: rows.at(-1)![0] });
  }
  return { cases, total: (await env.chainRows()).length };
}

const brokenAt = async (env: StoreUnderTest, seq: number) => expect(await env.store.verifyChain()).toMatchObject({ ok: false, firstBadSeq: seq });

// Each test breaks the chain at an earlier row than the test before it, so each is seen as the first bad row.
forEachStore('the chain under tampering', (env) => {
  let chain: Awaited<ReturnType<typeof casesWithNotes>>;
  beforeAll(async () => {
    chain = await casesWithNotes(env);
  });

  it('verifies, and names no broken entry, while nothing is touched', async () => {
    expect(await env.store.verifyChain()).toEqual({ ok: true, events: chain.total });
    for (const { id } of chain.cases) expect(await env.store.brokenEntries(id)).toEqual([]);
    expect(await env.store.caseOfEntry(chain.cases[1]!.noteSeq)).toBe(chain.cases[1]!.id);
  });

  it("detects a row's coded data changed, at that row, and marks it on its case alone", async () => {
    const { id, noteSeq } = chain.cases[2]!;
    await env.tamper(`UPDATE history SET at = '2026-01-01T00:00:00.000Z' WHERE seq = ${noteSeq}`);
    await brokenAt(env, noteSeq);
    expect(await env.store.brokenEntries(id)).toEqual([{ seq: noteSeq, problem: 'altered' }]);
    expect(await env.store.brokenEntries(chain.cases[0]!.id)).toEqual([]);
  });

  it('detects content changed, and then its salt changed, at its row', async () => {
    const { id, noteSeq } = chain.cases[1]!;
    await env.tamper(`UPDATE history_content SET content = '{"text":"something else"}' WHERE seq = ${noteSeq}`);
    await brokenAt(env, noteSeq);
    await env.tamper(`UPDATE history_content SET content = '{"text":"note on case 1"}', salt = '${'0'.repeat(64)}' WHERE seq = ${noteSeq}`);
    await brokenAt(env, noteSeq);
    expect(await env.store.brokenEntries(id)).toEqual([{ seq: noteSeq, problem: 'altered' }]);
  });

  it('detects content erased with no chained entry to account for it', async () => {
    const { noteSeq } = chain.cases[0]!;
    await env.tamper(`UPDATE history_content SET content = NULL, salt = NULL, erased_at = '2026-11-30T00:00:00.000Z', erased_reason = 'made up' WHERE seq = ${noteSeq}`);
    await brokenAt(env, noteSeq);
  });
});

forEachStore('the chain cut short', (env) => {
  it('detects rows cut from its end, though every row left links', async () => {
    const { total } = await casesWithNotes(env);
    await env.tamper(`DELETE FROM history_content WHERE seq = ${total}; DELETE FROM history WHERE seq = ${total}`);
    await brokenAt(env, total);
  });
});
