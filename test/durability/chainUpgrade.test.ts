import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/access.js';
import { createCaseEngine } from '../../src/cases/caseEngine.js';
import { verifyChainFile, verifyChainInline } from '../../src/store/chainVerification.js';
import { migrationFiles, openDatabase } from '../../src/store/database.js';
import { createSqliteStore } from '../../src/store/sqliteStore.js';
import { addStaff, days, openCase, sampleReferral, startApp, tempDir, testClock, type Staff, type TestApp } from '../support/harness.js';

/**
 * A database made by the release before erasable content: every history row
 * chained under rule 1, its whole data (names, notes, a victim's safe times to
 * call) inside the hashed text. The migration that brings in rule 2 must leave
 * that chain verifying as it did: the old rows keep rule 1 and their hashes,
 * the checkpoint is the next seq, new rows are chained under rule 2, and an old
 * row changed after the upgrade is still found at its row.
 */

const privacyMigration = '20261207_0900_privacy.sql';
const genesis = '0'.repeat(64);
/** Rule 1 as the release before wrote it (its appendHistory), computed here by hand rather than with the product's helpers. */
const rule1Hash = (prev: string, row: [number, string, string, string, string, string | null, string, string]) =>
  createHash('sha256').update(prev + JSON.stringify(row)).digest('hex');
const rule2Hash = (prev: string, row: [number, string, string, string, string, string | null, string, string, string | null]) =>
  createHash('sha256').update(prev + JSON.stringify(row)).digest('hex');

interface HistoryRow {
  seq: number;
  case_id: string;
  type: string;
  actor: string;
  at: string;
  from_state: string | null;
  to_state: string;
  data: string;
  prev_hash: string;
  hash: string;
  content_hash?: string | null;
}

/**
 * Applies the migrations before the privacy one exactly as migrate() does, so
 * the schema is the release before's, with its schema_migrations rows.
 */
function oldReleaseSchema(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  const before = migrationFiles().filter((m) => m.name < privacyMigration);
  expect(before.length).toBeGreaterThan(5);
  for (const m of before) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.name, '2026-11-23T08:00:00.000Z');
    }).immediate();
  }
  return db;
}

describe('upgrading a database whose history the release before chained (rule 1)', () => {
  const tmp = tempDir();
  const clock = testClock();
  const oldPath = `${tmp.dir}/old-release.sqlite`;
  const scratchPath = `${tmp.dir}/walked.sqlite`;
  let staff: Staff;
  let caseIds: string[] = [];
  /** The old chain as written, before the upgrade. */
  let oldRows: HistoryRow[] = [];
  const oldMax = () => oldRows.length;
  let app: TestApp | undefined;
  let copies = 0;

  beforeAll(async () => {
    // Real casework, walked through the engine on machine v2 (the release before's current chart), gives real rows:
    // the same referrals, snapshots, notices and history data the release before would have stored.
    const walked = await startApp(scratchPath, clock);
    staff = await addStaff(walked.services);
    const { store, config, linkTokens } = walked.services;
    const engine = createCaseEngine({ store, clock, delays: config.delays, linkHash: linkTokens.hashFor, newCasesOn: 2 });
    const supervisor: Caller & { kind: 'user' } = { kind: 'user', id: staff.supervisor.id, role: 'supervisor' };
    const facilitator: Caller = { kind: 'user', id: staff.facilitator.id, role: 'facilitator' };
    const ok = (what: string, outcome: { kind: string }) => expect(outcome.kind, `${what}: ${JSON.stringify(outcome)}`).toBe('ok');
    const soon = new Date(clock().getTime() + days(7)).toISOString();
    const due = new Date(clock().getTime() + days(30)).toISOString().slice(0, 10);
    caseIds = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const created = await engine.createCase(
          sampleReferral({
            offence: { type: 'burglary', date: '2026-10-01', description: `Burglary of the home of Vera ${i}`, crimeReference: `NP/2026/${1000 + i}` },
            victim: { name: `Vera Victim ${i}`, email: `vera${i}@example.org`, phone: '01234 567890' },
            offender: { name: `Oscar Offender ${i}`, email: `oscar${i}@example.net` },
          }),
          supervisor,
        );
        ok('create', created);
        const id = (created as { value: { id: string } }).value.id;
        const send = async (caller: Caller, body: Record<string, unknown>) => ok(`${body.type} on case ${i}`, await engine.submit({ caseId: id, body, caller }));
        await send(supervisor, { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] });
        const steps: Record<string, unknown>[] = [
          { type: 'ADD_NOTE', text: `Spoke to Vera ${i}: she is nervous about meeting Oscar ${i}` },
          { type: 'INVITE_VICTIM' },
          { type: 'VICTIM_RESPONDED', response: 'yes', preferredProcess: 'conference', accessNeeds: 'Step-free access', safeContact: `Call Vera ${i} after 6pm on 07700 900123` },
          { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing', note: `Oscar ${i} wants to apologise` },
          { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'No contact since the offence' }, directContactAllowed: true },
          { type: 'RECORD_PREPARATION', party: 'victim', note: 'Met at home' },
          { type: 'ADD_SUPPORTER', party: 'victim', name: `Sue Supporter ${i}`, email: `sue${i}@example.org` },
          { type: 'RECORD_PREPARATION', party: 'offender', note: 'Met at probation' },
          { type: 'CHOOSE_PROCESS', process: 'conference' },
          { type: 'SCHEDULE_CONFERENCE', startsAt: soon, venue: 'Northshire Community Centre' },
          { type: 'RECORD_OUTCOME', heldAt: clock().toISOString(), attendees: [`Vera ${i}`, `Oscar ${i}`], agreement: [{ action: 'Write a letter of apology', owner: `Oscar ${i}`, dueDate: due }] },
        ];
        for (const body of steps.slice(0, 6 + i)) await send(facilitator, body);
        return id;
      }),
    );
    await walked.stop();

    // The release before's database: its schema, those rows, and the history chained as it chained it.
    const db = oldReleaseSchema(oldPath);
    db.pragma('foreign_keys = OFF');
    db.prepare('ATTACH DATABASE ? AS walked').run(scratchPath);
    const rows = db
      .prepare(
        `SELECT h.seq, h.case_id, h.type, h.actor, h.at, h.from_state, h.to_state, h.data, c.content
         FROM walked.history h LEFT JOIN walked.history_content c ON c.seq = h.seq ORDER BY h.seq`,
      )
      .all() as (HistoryRow & { content: string | null })[];
    const insert = db.prepare('INSERT INTO history (seq, case_id, type, actor, at, from_state, to_state, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    let prev = genesis;
    db.transaction(() => {
      for (const r of rows) {
        // The whole payload in the row, as the release before stored JSON.stringify(entry.data).
        const data = JSON.stringify({ ...JSON.parse(r.data), ...(r.content ? JSON.parse(r.content) : {}) });
        const hash = rule1Hash(prev, [r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, data]);
        insert.run(r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, data, prev, hash);
        prev = hash;
      }
      // Everything else the walk stored, in the columns the release before had; the reports' copy is kept by its trigger.
      const tables = db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'history', 'case_report_cohort') AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
      for (const t of tables) {
        const columns = (db.prepare(`SELECT name FROM pragma_table_info(?, 'main') INTERSECT SELECT name FROM pragma_table_info(?, 'walked')`).pluck().all(t, t) as string[]).map((c) => `"${c}"`).join(', ');
        if (columns) db.exec(`INSERT INTO main."${t}" (${columns}) SELECT ${columns} FROM walked."${t}"`);
      }
    })();
    db.exec('DETACH DATABASE walked');
    db.pragma('foreign_keys = ON');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    oldRows = db.prepare('SELECT * FROM history ORDER BY seq').all() as HistoryRow[];
    db.close();
  });
  afterAll(async () => {
    await app?.stop();
    tmp.remove();
  });

  const copyOf = (path: string) => {
    const to = `${tmp.dir}/copy-${++copies}.sqlite`;
    copyFileSync(path, to);
    return to;
  };
  const inline = { inlineBelow: Infinity };
  const slices = (sliceSize: number) => ({ inlineBelow: 0, workers: 2, sliceSize });

  it('is as the release before left it: no checkpoint, no content table, and personal content inside the chained rows', () => {
    const db = new Database(oldPath, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).not.toContain('chain_rules');
      expect(tables).not.toContain('history_content');
      expect(db.prepare("SELECT name FROM pragma_table_info('history')").pluck().all()).not.toContain('content_hash');
      expect(db.prepare('SELECT name FROM schema_migrations').pluck().all()).not.toContain(privacyMigration);
      // The cases' versions add up to the rows, as verification requires.
      expect(db.prepare('SELECT sum(version) FROM cases').pluck().get()).toBe(oldMax());
      expect(db.prepare('SELECT count(DISTINCT case_id) FROM history').pluck().get()).toBe(caseIds.length);
      expect(db.prepare("SELECT count(*) FROM cases WHERE machine_version = 2").pluck().get()).toBe(caseIds.length);
    } finally {
      db.close();
    }
    expect(oldMax()).toBeGreaterThan(50);
    const data = oldRows.map((r) => r.data).join('\n');
    for (const text of ['Spoke to Vera 0', 'Call Vera 1 after 6pm', 'Oscar 2 wants to apologise', 'Sue Supporter 5', 'Northshire Community Centre', '"attendees":["Vera 5","Oscar 5"]']) {
      expect(data).toContain(text);
    }
  });

  it('verifies with the current verifier before the upgrade, inline and in slices of any size', async () => {
    const expected = { ok: true, events: oldMax() };
    expect(await verifyChainFile(oldPath, inline)).toEqual(expected);
    for (const sliceSize of [1, 4, 7, 1000]) expect(await verifyChainFile(oldPath, slices(sliceSize))).toEqual(expected);
  });

  it('a row tampered with before the upgrade is found at its row by the current verifier', async () => {
    const path = copyOf(oldPath);
    const victimAnswer = oldRows.find((r) => r.type === 'VICTIM_RESPONDED')!;
    const raw = new Database(path);
    raw.exec('DROP TRIGGER history_no_update');
    raw.prepare('UPDATE history SET data = ? WHERE seq = ?').run(victimAnswer.data.replace('Step-free access', 'None'), victimAnswer.seq);
    raw.close();
    const expected = { ok: false, events: victimAnswer.seq, firstBadSeq: victimAnswer.seq };
    expect(await verifyChainFile(path, inline)).toEqual(expected);
    expect(await verifyChainFile(path, slices(4))).toEqual(expected);
  });

  describe('after the upgrade', () => {
    let from2: number;

    beforeAll(() => {
      // The release's own start: openDatabase applies what is pending.
      const db = openDatabase(oldPath);
      try {
        from2 = db.prepare('SELECT from_seq FROM chain_rules WHERE rule = 2').pluck().get() as number;
      } finally {
        db.close();
      }
    });

    it('records the checkpoint at the next seq, and leaves every old row, and its hash, as it was', () => {
      const db = new Database(oldPath, { readonly: true });
      try {
        expect(db.prepare('SELECT name FROM schema_migrations').pluck().all()).toContain(privacyMigration);
        expect(db.prepare('SELECT rule, from_seq AS fromSeq FROM chain_rules ORDER BY rule').all()).toEqual([
          { rule: 1, fromSeq: 1 },
          { rule: 2, fromSeq: oldMax() + 1 },
        ]);
        expect(from2).toBe(oldMax() + 1);
        const after = db.prepare('SELECT * FROM history ORDER BY seq').all() as HistoryRow[];
        expect(after).toEqual(oldRows.map((r) => ({ ...r, content_hash: null })));
        expect(db.prepare('SELECT count(*) FROM history_content').pluck().get()).toBe(0);
        expect(verifyChainInline(db)).toEqual({ ok: true, events: oldMax() });
      } finally {
        db.close();
      }
    });

    it('verifies after the upgrade, inline and in slices', async () => {
      const expected = { ok: true, events: oldMax() };
      expect(await verifyChainFile(oldPath, inline)).toEqual(expected);
      for (const sliceSize of [1, 4, 7, 1000]) expect(await verifyChainFile(oldPath, slices(sliceSize))).toEqual(expected);
    });

    it('the old rows still verify under rule 1, recomputed by hand', () => {
      let prev = genesis;
      for (const r of oldRows) {
        expect(r.prev_hash, `row ${r.seq}`).toBe(prev);
        expect(rule1Hash(prev, [r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, r.data]), `row ${r.seq}`).toBe(r.hash);
        prev = r.hash;
      }
    });

    describe('new events, through the current release', () => {
      let newCase: string;
      let added = 0;

      beforeAll(async () => {
        app = await startApp(oldPath, clock);
        // What the release does at its first start: cases in flight move to the current chart, each with a history entry.
        const moved = await app.services.migration.migrateAll({ dryRun: false });
        added += moved.moved.length;
        const send = async (caseId: string, body: Record<string, unknown>) => {
          const r = await app!.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          added++;
        };
        // An old case goes on; a new one starts.
        await send(caseIds[5]!, { type: 'ADD_NOTE', text: 'After the upgrade: Vera 5 asked for a copy of the agreement' });
        await send(caseIds[0]!, { type: 'ADD_NOTE', text: 'After the upgrade: Oscar 0 called' });
        newCase = await openCase(app, staff);
        added += 2;
        await send(newCase, { type: 'ADD_NOTE', text: 'A new case after the upgrade' });
        await send(newCase, { type: 'INVITE_VICTIM' });
      });

      it('are chained under rule 2: coded fields in the row, the content apart under its commitment, each hash recomputed by hand', () => {
        const db = new Database(oldPath, { readonly: true });
        try {
          const rows = db.prepare('SELECT * FROM history WHERE seq >= ? ORDER BY seq').all(from2) as (HistoryRow & { content_hash: string | null })[];
          expect(rows).toHaveLength(added);
          expect(rows[0]!.prev_hash).toBe(oldRows.at(-1)!.hash);
          let prev = oldRows.at(-1)!.hash;
          for (const r of rows) {
            expect(r.prev_hash).toBe(prev);
            expect(rule2Hash(prev, [r.seq, r.case_id, r.type, r.actor, r.at, r.from_state, r.to_state, r.data, r.content_hash]), `row ${r.seq}`).toBe(r.hash);
            prev = r.hash;
          }
          const notes = rows.filter((r) => r.type === 'ADD_NOTE');
          expect(notes).toHaveLength(3);
          for (const r of notes) {
            expect(r.data).toBe('{}');
            const content = db.prepare('SELECT salt, content FROM history_content WHERE seq = ?').get(r.seq) as { salt: string; content: string };
            expect(createHash('sha256').update(content.salt + content.content).digest('hex')).toBe(r.content_hash);
            expect(JSON.parse(content.content).text).toMatch(/upgrade/);
          }
        } finally {
          db.close();
        }
      });

      it('the whole chain verifies, across the checkpoint, in slices of any size; a case with rows under both rules checks clean', async () => {
        const expected = { ok: true, events: oldMax() + added };
        expect(await app!.services.store.verifyChain()).toEqual(expected);
        for (const sliceSize of [1, 3, oldMax(), oldMax() + 1, 1000]) expect(await verifyChainFile(oldPath, slices(sliceSize))).toEqual(expected);
        for (const id of [...caseIds, newCase]) expect(await app!.services.store.brokenEntries(id)).toEqual([]);
        // The old case reads as before: its old rows' data whole, its new row's from its content.
        const history = await app!.services.store.history(caseIds[5]!);
        expect(history.find((h) => h.type === 'VICTIM_RESPONDED')!.data).toMatchObject({ accessNeeds: 'Step-free access' });
        expect(history.at(-1)!.data).toEqual({ text: 'After the upgrade: Vera 5 asked for a copy of the agreement' });
      });

      /** A copy of the upgraded database with `tamper` applied over a raw connection, checked through a store of its own. */
      async function tampered(caseId: string, tamper: (db: Database.Database) => void) {
        const path = `${tmp.dir}/upgraded-copy-${++copies}.sqlite`;
        await app!.services.backup!(path);
        const raw = new Database(path, { fileMustExist: true });
        try {
          tamper(raw);
        } finally {
          raw.close();
        }
        const store = createSqliteStore(openDatabase(path));
        try {
          return { chain: await store.verifyChain(), broken: await store.brokenEntries(caseId) };
        } finally {
          store.close();
        }
      }

      it('an old row whose data is changed after the upgrade is found at that row', async () => {
        const row = oldRows.find((r) => r.case_id === caseIds[3] && r.type === 'VICTIM_RESPONDED')!;
        const result = await tampered(row.case_id, (db) => {
          db.exec('DROP TRIGGER history_no_update');
          db.prepare('UPDATE history SET data = ? WHERE seq = ?').run(row.data.replace('after 6pm', 'any time'), row.seq);
        });
        expect(result.chain).toEqual({ ok: false, events: row.seq, firstBadSeq: row.seq });
        expect(result.broken).toEqual([{ seq: row.seq, problem: 'altered' }]);
      });

      it('an old row resealed by hand (the one update the trigger allows), with no erasure to account for it, is found at that row', async () => {
        const row = oldRows.find((r) => r.case_id === caseIds[4] && r.type === 'ADD_NOTE')!;
        const result = await tampered(row.case_id, (db) => {
          // No trigger dropped: the trigger lets an old row gain a commitment, with its hash unchanged, as an erasure reseals it.
          expect(db.prepare('UPDATE history SET data = ?, content_hash = ? WHERE seq = ?').run('{}', 'a'.repeat(64), row.seq).changes).toBe(1);
        });
        expect(result.chain).toEqual({ ok: false, events: row.seq, firstBadSeq: row.seq });
        expect(result.broken).toEqual([{ seq: row.seq, problem: 'altered' }]);
      });

      describe('erasing an old case’s content after the upgrade', () => {
        let erasedSeqs: number[] = [];
        const caseId = () => caseIds[2]!;
        const oldRowOf = (type: string) => oldRows.find((r) => r.case_id === caseId() && r.type === type)!;

        beforeAll(async () => {
          const erased = await app!.services.store.erasePersonalData({
            caseId: caseId(),
            party: 'victim',
            basis: 'erasure_request',
            actor: { kind: 'user', id: staff.supervisor.id, role: 'supervisor' },
            at: clock().toISOString(),
          });
          erasedSeqs = erased!.erasedSeqs;
          added++;
        });

        it('reseals its old rows: each keeps its stored hash, holds only coded fields and a commitment, and the chain verifies', async () => {
          const answer = oldRowOf('VICTIM_RESPONDED');
          const note = oldRowOf('ADD_NOTE');
          const offender = oldRowOf('RECORD_OFFENDER_RESPONSE');
          expect(erasedSeqs).toEqual(expect.arrayContaining([answer.seq, note.seq]));
          // The offender's own answer is not the victim's content.
          expect(erasedSeqs).not.toContain(offender.seq);
          const db = new Database(oldPath, { readonly: true });
          try {
            const row = (seq: number) => db.prepare('SELECT * FROM history WHERE seq = ?').get(seq) as HistoryRow;
            for (const seq of [answer.seq, note.seq]) {
              const before = oldRows.find((r) => r.seq === seq)!;
              expect(row(seq)).toMatchObject({ hash: before.hash, prev_hash: before.prev_hash, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
              expect(row(seq).data).not.toMatch(/Vera|6pm|nervous|Step-free/);
              expect(db.prepare('SELECT salt, content, erased_reason FROM history_content WHERE seq = ?').get(seq)).toEqual({ salt: null, content: null, erased_reason: 'erasure_request' });
            }
            expect(JSON.parse(row(answer.seq).data)).toEqual({ response: 'yes', preferredProcess: 'conference' });
            expect(row(offender.seq)).toEqual({ ...offender, content_hash: null });
          } finally {
            db.close();
          }
          expect(await app!.services.store.verifyChain()).toEqual({ ok: true, events: oldMax() + added });
          expect(await verifyChainFile(oldPath, slices(3))).toEqual({ ok: true, events: oldMax() + added });
          expect(await app!.services.store.brokenEntries(caseId())).toEqual([]);
          const history = await app!.services.store.history(caseId());
          expect(history.find((h) => h.seq === answer.seq)).toMatchObject({ erased: { reason: 'erasure_request' }, data: { response: 'yes', preferredProcess: 'conference' } });
          expect(history.find((h) => h.seq === offender.seq)!.erased).toBeUndefined();
          expect(history.find((h) => h.seq === offender.seq)!.data).toMatchObject({ note: 'Oscar 2 wants to apologise' });
        });

        it('a resealed old row changed again is found at that row', async () => {
          const answer = oldRowOf('VICTIM_RESPONDED');
          const result = await tampered(caseId(), (db) => {
            db.exec('DROP TRIGGER history_no_update');
            db.prepare('UPDATE history SET data = ? WHERE seq = ?').run('{"response":"no"}', answer.seq);
          });
          expect(result.chain).toEqual({ ok: false, events: answer.seq, firstBadSeq: answer.seq });
          expect(result.broken).toEqual([{ seq: answer.seq, problem: 'altered' }]);
        });

        it('a resealed old row with its recorded digest rewritten to match an edit is found at that row', async () => {
          const answer = oldRowOf('VICTIM_RESPONDED');
          const result = await tampered(caseId(), (db) => {
            db.exec('DROP TRIGGER history_no_update');
            db.prepare('UPDATE history SET data = ? WHERE seq = ?').run('{"response":"no"}', answer.seq);
            const text = db.prepare(`SELECT json_array(h.seq, h.case_id, h.type, h.actor, h.at, h.from_state, h.to_state, h.data, h.content_hash) FROM history h WHERE h.seq = ?`).pluck().get(answer.seq) as string;
            db.prepare('UPDATE resealed_rows SET digest = ? WHERE seq = ?').run(createHash('sha256').update(text).digest('hex'), answer.seq);
          });
          expect(result.chain).toEqual({ ok: false, events: answer.seq, firstBadSeq: answer.seq });
          expect(result.broken).toEqual([{ seq: answer.seq, problem: 'altered' }]);
        });
      });

      it('an old row’s other columns still cannot be changed while the trigger stands', async () => {
        const row = oldRows.find((r) => r.case_id === caseIds[4] && r.type === 'ADD_NOTE')!;
        await tampered(row.case_id, (db) => {
          expect(() => db.prepare('UPDATE history SET data = ? WHERE seq = ?').run('{"text":"edited"}', row.seq)).toThrow(/append-only/);
          expect(() => db.prepare('UPDATE history SET type = ?, content_hash = ? WHERE seq = ?').run('DECLINE_REFERRAL', 'a'.repeat(64), row.seq)).toThrow(/append-only/);
          expect(() => db.prepare('UPDATE history SET hash = ?, content_hash = ? WHERE seq = ?').run('b'.repeat(64), 'a'.repeat(64), row.seq)).toThrow(/append-only/);
          const last = db.prepare('SELECT seq FROM history ORDER BY seq DESC LIMIT 1').pluck().get() as number;
          expect(() => db.prepare('UPDATE history SET data = ? WHERE seq = ?').run('{}', last)).toThrow(/append-only/);
        });
      });
    });
  });
});
