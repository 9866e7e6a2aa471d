import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowJsonSqlV2 } from '../../src/store/historyChain.js';
import { openCase, withApp } from '../support/harness.js';

/**
 * Rows are hashed with JSON.stringify when written and verified from SQLite's
 * json_array() of the stored row. Whatever text staff type (any Unicode, control
 * characters, lone surrogates, quotes, backslashes) must give the same bytes both ways.
 * Under rule 2 a row's json_array also holds its content_hash (null when the
 * entry has no personal content), and the personal content is hashed apart, as
 * stored, in its commitment: both must survive any text.
 */
describe('the hash chain over arbitrary text', () => {
  const env = withApp();

  const anyText = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1 }),
    fc.string({ unit: 'grapheme', minLength: 1 }),
    fc.constantFrom('"\\\u0000\u001f\u007f\u2028\ud800', '\udfff x', '\u2029\ufeff\ud83d\ude00'),
  );

  /** Every stored row's json_array text beside JSON.stringify of the same columns as JavaScript reads them. */
  function rowTexts(caseId: string) {
    const db = new Database(env.app.dbPath, { readonly: true, fileMustExist: true });
    try {
      return (
        db
          .prepare(`SELECT h.*, ${rowJsonSqlV2} AS sqlText FROM history h WHERE h.case_id = ? ORDER BY h.seq`)
          .all(caseId) as { seq: number; case_id: string; type: string; actor: string; at: string; from_state: string | null; to_state: string; data: string; content_hash: string | null; sqlText: string }[]
      ).map((r) => ({
        seq: r.seq,
        type: r.type,
        data: r.data,
        contentHash: r.content_hash,
        sqlText: r.sqlText,
        jsText: JSON.stringify([r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, r.data, r.content_hash]),
      }));
    } finally {
      db.close();
    }
  }

  it('verifies after notes of any text, each kept apart under its commitment', async () => {
    const { app, staff } = env;
    const caseId = await openCase(app, staff);
    const texts = fc.sample(anyText, { numRuns: 300, seed: 20261123 });
    const accepted: string[] = [];
    for (const text of texts) {
      const r = await app.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body: { type: 'ADD_NOTE', text } });
      if (r.status === 200) accepted.push(text.trim());
      else expect(r.status).toBe(422);
    }
    expect(accepted.length).toBeGreaterThan(200);
    const notes = rowTexts(caseId).filter((r) => r.type === 'ADD_NOTE');
    expect(notes).toHaveLength(accepted.length);
    for (const r of notes) {
      // The text is not in the chained row: only the commitment to it.
      expect(r.data).toBe('{}');
      expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.sqlText).toBe(r.jsText);
    }
    expect(await app.services.store.verifyChain()).toEqual({ ok: true, events: 2 + accepted.length });
    expect(await app.services.store.brokenEntries(caseId)).toEqual([]);
    // Each note reads back exactly as it was accepted, from its content row.
    const history = await app.services.store.history(caseId);
    expect(history.filter((h) => h.type === 'ADD_NOTE').map((h) => h.data)).toEqual(accepted.map((text) => ({ text })));
  });

  it('a rule-2 row of any coded text, with content_hash null and not null, gives the same text in SQLite and JavaScript', async () => {
    const { app, staff } = env;
    const caseId = await openCase(app, staff);
    const samples = fc.sample(fc.tuple(anyText, anyText, anyText), { numRuns: 150, seed: 20261207 });
    const at = app.clock().toISOString();
    for (const [i, [coded, actorId, note]] of samples.entries()) {
      // A record entry with only coded fields: its text is in the chained row, which commits to no content.
      await app.services.store.recordEntry(caseId, {
        type: 'SUBJECT_ACCESS_EXPORTED',
        actor: { kind: 'user', id: actorId, role: 'supervisor' },
        at,
        data: { requestedBy: coded, count: i, nested: { list: [coded, i, null, true] } },
      });
      // A record entry with a coded field beside a personal one: the row's text and its commitment both.
      await app.services.store.recordEntry(caseId, {
        type: 'PERSONAL_DATA_ERASED',
        actor: { kind: 'user', id: actorId, role: 'supervisor' },
        at,
        data: { party: 'victim', basis: coded, erasedSeqs: [], note },
      });
    }
    const rows = rowTexts(caseId).filter((r) => r.type === 'SUBJECT_ACCESS_EXPORTED' || r.type === 'PERSONAL_DATA_ERASED');
    expect(rows).toHaveLength(2 * samples.length);
    expect(rows.filter((r) => r.contentHash === null)).toHaveLength(samples.length);
    expect(rows.filter((r) => r.contentHash !== null)).toHaveLength(samples.length);
    for (const r of rows) expect(r.sqlText).toBe(r.jsText);
    expect((await app.services.store.verifyChain()).ok).toBe(true);
    expect(await app.services.store.brokenEntries(caseId)).toEqual([]);
    // What was written reads back as written: the coded text from the row, the note from its content.
    const read = (await app.services.store.history(caseId)).filter((h) => h.type === 'PERSONAL_DATA_ERASED');
    expect(read.map((h) => [h.data.basis, h.data.note])).toEqual(samples.map(([coded, , note]) => [coded, note]));
  });
});
