import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChainFile, verifyChainInline } from '../../src/store/chainVerification.js';
import { openDatabase } from '../../src/store/database.js';
import { contentCommitment, rowHash, rowJsonSqlV2 } from '../../src/store/historyChain.js';
import { addStaff, openCase, startApp, tempDir, testClock, type Staff, type TestApp } from '../support/harness.js';

/**
 * Verification in parallel worker threads must give the same answer as
 * checking the chain row by row: slices of five seqs (1-5, 6-10, …) put
 * tampered rows at slice boundaries without needing a large database. Every
 * row is chained under rule 2 (a fresh database), so each note's text is in
 * history_content and its row holds the commitment to it.
 */
describe('verifying the history chain in slices', () => {
  const tmp = tempDir();
  const clock = testClock();
  const basePath = `${tmp.dir}/base.sqlite`;
  const parallel = { inlineBelow: 0, workers: 2, sliceSize: 5 };
  const inline = { inlineBelow: Infinity };
  // Two cases opened (two events each), then notes on both, interleaved in the chain.
  const events = 30;
  let app: TestApp;
  let staff: Staff;
  let copies = 0;

  const note = (caseId: string, text: string) =>
    app.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body: { type: 'ADD_NOTE', text } });

  beforeAll(async () => {
    app = await startApp(basePath, clock);
    staff = await addStaff(app.services);
    const cases = [await openCase(app, staff), await openCase(app, staff)];
    for (let i = 4; i < events; i++) expect((await note(cases[i % 2]!, `note ${i}`)).status).toBe(200);
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  /** A copy of the base database, changed by `tamper` over a raw connection with the append-only triggers (of rows and their content) dropped. */
  async function tampered(tamper: (db: Database.Database) => void): Promise<string> {
    const path = `${tmp.dir}/copy-${++copies}.sqlite`;
    await app.services.backup!(path);
    const db = new Database(path, { fileMustExist: true });
    db.exec('DROP TRIGGER history_no_update; DROP TRIGGER history_no_delete; DROP TRIGGER history_content_erase_only; DROP TRIGGER history_content_no_delete');
    tamper(db);
    db.close();
    return path;
  }
  const row = (db: Database.Database, seq: number) => db.prepare('SELECT * FROM history WHERE seq = ?').get(seq) as Record<string, string>;
  const rowJson = (db: Database.Database, seq: number) => db.prepare(`SELECT ${rowJsonSqlV2} FROM history h WHERE h.seq = ?`).pluck().get(seq) as string;
  /** Deletes a row as someone cutting the history would: with its content row, which references it. */
  const deleteRow = (db: Database.Database, seq: number) => {
    db.prepare('DELETE FROM history_content WHERE seq = ?').run(seq);
    expect(db.prepare('DELETE FROM history WHERE seq = ?').run(seq).changes).toBe(1);
  };
  /** Erases a row's content as the store does, but with no chained erasure entry to account for it. */
  const eraseUnrecorded = (db: Database.Database, seq: number) =>
    expect(
      db.prepare("UPDATE history_content SET salt = NULL, content = NULL, erased_at = '2026-11-23T09:00:00.000Z', erased_reason = 'consent_withdrawn' WHERE seq = ?").run(seq)
        .changes,
    ).toBe(1);

  it('an intact chain verifies the same in slices of any size, in one worker or several, and inline', async () => {
    const path = await tampered(() => {});
    const expected = { ok: true, events };
    expect(await verifyChainFile(path, inline)).toEqual(expected);
    for (const sliceSize of [1, 5, 7, 1000]) {
      for (const workers of [1, 2, 3]) expect(await verifyChainFile(path, { inlineBelow: 0, workers, sliceSize })).toEqual(expected);
    }
    expect(await verifyChainFile(path)).toEqual(expected);
    const db = new Database(path, { readonly: true });
    expect(verifyChainInline(db)).toEqual(expected);
    db.close();
  });

  const cases: { name: string; tamper: (db: Database.Database) => void; expected: { events: number; firstBadSeq: number } }[] = [
    {
      name: 'edited data in the first row of a slice',
      tamper: (db) => db.prepare(`UPDATE history SET data = '{"text":"edited"}' WHERE seq = 11`).run(),
      expected: { events: 11, firstBadSeq: 11 },
    },
    {
      name: 'edited data in the last row of a slice',
      tamper: (db) => db.prepare(`UPDATE history SET data = '{"text":"edited"}' WHERE seq = 20`).run(),
      expected: { events: 20, firstBadSeq: 20 },
    },
    {
      name: 'an edited hash in the last row of a slice',
      tamper: (db) => db.prepare(`UPDATE history SET hash = ? WHERE seq = 15`).run('f'.repeat(64)),
      expected: { events: 15, firstBadSeq: 15 },
    },
    {
      // The next slice must start from the stored hash of the row before it, not trust its first row's prev_hash.
      name: 'data edited and its hash rewritten in the last row of a slice (found at the next row, in the next slice)',
      tamper: (db) => {
        db.prepare(`UPDATE history SET data = '{"text":"rewritten"}' WHERE seq = 10`).run();
        db.prepare('UPDATE history SET hash = ? WHERE seq = 10').run(rowHash(row(db, 10).prev_hash!, rowJson(db, 10)));
      },
      expected: { events: 11, firstBadSeq: 11 },
    },
    {
      // Re-linked past row 15 with a hash that recomputes: only the link to the previous slice shows it.
      name: 'a rewritten prev_hash (and hash) in the first row of a slice',
      tamper: (db) => {
        const prev = row(db, 14).hash!;
        db.prepare('UPDATE history SET prev_hash = ?, hash = ? WHERE seq = 16').run(prev, rowHash(prev, rowJson(db, 16)));
      },
      expected: { events: 16, firstBadSeq: 16 },
    },
    {
      name: 'a deleted row at the start of a slice (found at the row after it)',
      tamper: (db) => deleteRow(db, 21),
      expected: { events: 21, firstBadSeq: 22 },
    },
    {
      name: 'a deleted row at the end of a slice (found at the first row of the next slice)',
      tamper: (db) => deleteRow(db, 25),
      expected: { events: 25, firstBadSeq: 26 },
    },
    {
      name: 'a deleted first row',
      tamper: (db) => deleteRow(db, 1),
      expected: { events: 1, firstBadSeq: 2 },
    },
    {
      name: 'a cut last row (more events recorded on the cases than rows in the history)',
      tamper: (db) => deleteRow(db, events),
      expected: { events: events - 1, firstBadSeq: events },
    },
    {
      name: 'edited content in the first row of a slice',
      tamper: (db) => db.prepare(`UPDATE history_content SET content = '{"text":"edited"}' WHERE seq = 11`).run(),
      expected: { events: 11, firstBadSeq: 11 },
    },
    {
      name: 'an edited commitment in the last row of a slice',
      tamper: (db) => db.prepare('UPDATE history SET content_hash = ? WHERE seq = 20').run('e'.repeat(64)),
      expected: { events: 20, firstBadSeq: 20 },
    },
    {
      name: 'an edited salt in the first row of a slice',
      tamper: (db) => db.prepare('UPDATE history_content SET salt = ? WHERE seq = 16').run('d'.repeat(64)),
      expected: { events: 16, firstBadSeq: 16 },
    },
    {
      // Content and salt changed together so their commitment, and then the row's hash, recompute: the link to the next row shows it.
      name: 'content rewritten with its commitment and hash in the last row of a slice (found at the next row, in the next slice)',
      tamper: (db) => {
        const content = '{"text":"rewritten"}';
        const salt = 'c'.repeat(64);
        db.prepare('UPDATE history_content SET salt = ?, content = ? WHERE seq = 10').run(salt, content);
        db.prepare('UPDATE history SET content_hash = ? WHERE seq = 10').run(contentCommitment(salt, content));
        db.prepare('UPDATE history SET hash = ? WHERE seq = 10').run(rowHash(row(db, 10).prev_hash!, rowJson(db, 10)));
      },
      expected: { events: 11, firstBadSeq: 11 },
    },
    {
      name: 'a deleted content row of a row that committed to content, at the end of a slice',
      tamper: (db) => db.prepare('DELETE FROM history_content WHERE seq = 15').run(),
      expected: { events: 15, firstBadSeq: 15 },
    },
    {
      name: 'a content row added to a row that committed to none',
      tamper: (db) => db.prepare("INSERT INTO history_content (seq, salt, content) VALUES (2, ?, '{\"text\":\"added\"}')").run('b'.repeat(64)),
      expected: { events: 2, firstBadSeq: 2 },
    },
    {
      // Every row and link still checks out: only the erasure with no chained entry for it shows.
      name: 'content erased with no chained erasure entry, in the middle of a slice',
      tamper: (db) => eraseUnrecorded(db, 13),
      expected: { events, firstBadSeq: 13 },
    },
    {
      name: 'content erased with no chained erasure entry in a late slice and an edit in an early one (the earlier is reported)',
      tamper: (db) => {
        eraseUnrecorded(db, 27);
        db.prepare(`UPDATE history SET data = '{"text":"edited"}' WHERE seq = 9`).run();
      },
      expected: { events: 9, firstBadSeq: 9 },
    },
    {
      name: 'edits in two slices checked at the same time (the earlier is reported)',
      tamper: (db) => db.prepare(`UPDATE history SET data = '{"text":"edited"}' WHERE seq IN (4, 7)`).run(),
      expected: { events: 4, firstBadSeq: 4 },
    },
    {
      name: 'edits in a late slice and an early one',
      tamper: (db) => db.prepare(`UPDATE history SET data = '{"text":"edited"}' WHERE seq IN (8, 28)`).run(),
      expected: { events: 8, firstBadSeq: 8 },
    },
  ];

  for (const { name, tamper, expected } of cases) {
    it(`finds ${name}`, async () => {
      const path = await tampered(tamper);
      expect(await verifyChainFile(path, parallel)).toEqual({ ok: false, ...expected });
      expect(await verifyChainFile(path, inline)).toEqual({ ok: false, ...expected });
    });
  }

  it('verifies while new events are being committed, up to the last event committed when it started', async () => {
    const caseId = await openCase(app, staff);
    const count = () => app.services.store.history(caseId).then((h) => h.length);
    let verifying = true;
    let written = 0;
    const writer = (async () => {
      while (verifying) {
        expect((await note(caseId, `during verification ${written}`)).status).toBe(200);
        written++;
      }
    })();
    // Let some writes land first, so the chain grows before, during and after the starting point.
    while (written < 5) await new Promise((resolve) => setImmediate(resolve));
    const before = events + (await count());
    const result = await verifyChainFile(basePath, parallel);
    verifying = false;
    await writer;
    const after = events + (await count());

    expect(result.ok).toBe(true);
    expect(result.events).toBeGreaterThanOrEqual(before);
    // Events were committed while it ran, and they were left out rather than counted against the starting point.
    expect(result.events).toBeLessThan(after);
    expect(await verifyChainFile(basePath, parallel)).toEqual({ ok: true, events: after });
  });

  it('an empty history verifies, with workers asked for or not', async () => {
    const path = `${tmp.dir}/empty.sqlite`;
    openDatabase(path).close();
    expect(await verifyChainFile(path, parallel)).toEqual({ ok: true, events: 0 });
    expect(await verifyChainFile(path, inline)).toEqual({ ok: true, events: 0 });
  });

  it('rejects with a clear error for a missing database file', async () => {
    await expect(verifyChainFile(`${tmp.dir}/missing.sqlite`, parallel)).rejects.toThrow(/cannot open the database .*missing\.sqlite/);
  });

  it('rejects, not hangs, when the workers fail', async () => {
    const path = await tampered(() => {});
    // The starting point is read before the call returns; the workers then find no file to open.
    const verification = verifyChainFile(path, parallel);
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    await expect(verification).rejects.toThrow(/history chain verification failed in a worker: .*/);
  });
});
