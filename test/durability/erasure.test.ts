import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/access.js';
import { verifyChainInline } from '../../src/store/chainVerification.js';
import { openDatabase } from '../../src/store/database.js';
import { sqliteAudit } from '../../src/store/sqlite/audit.js';
import { createSqliteStore } from '../../src/store/sqliteStore.js';
import type { ChainCheck, HistoryRecord } from '../../src/store/store.js';
import { writeQueueFor } from '../../src/store/writeQueue.js';
import { runCli } from '../cli/runCli.js';
import { addStaff, days, openCase, sampleReferral, startApp, tempDir, testClock, type Staff, type TestApp } from '../support/harness.js';

/**
 * Erasing personal content leaves a history that still verifies: each rule-2
 * row chains only its coded fields and a salted commitment to its content, so
 * the content and its salt can go while the row's hash stands. Erasure must
 * not become a way to hide tampering: a changed commitment, content or salt,
 * content erased with no chained entry recording it, or a content row
 * deleted, is found at its row by the chain's verification and by the case's
 * own check of its entries.
 */

type Party = 'victim' | 'offender';
type Scope = Party | 'all';
/**
 * Whose personal content an entry is: the party's own, the case's as a whole (a note may name anyone), or the
 * record of how the service handled the case's data (an erasure's own note), which only anonymisation takes.
 */
type Concern = Party | 'both' | 'record';

/** One entry of the history as the test expects it: its coded fields, its personal content, whose it is, and what erased it. */
interface Expected {
  type: string;
  coded: Record<string, unknown>;
  personal: Record<string, unknown>;
  concerns: Concern;
  /** An erasure entry: the model entries it erased, by index, resolved to seqs once the history is read. */
  erases?: number[];
  erased?: { at: string; reason: string };
}

/** A case's entries in the order the chain holds them, and the erasures applied to them. */
class CaseModel {
  readonly entries: Expected[];
  constructor(facilitatorId: string) {
    this.entries = [
      { type: 'REFERRAL_RECEIVED', coded: {}, personal: {}, concerns: 'both' },
      { type: 'ACCEPT_REFERRAL', coded: { facilitatorIds: [facilitatorId] }, personal: {}, concerns: 'both' },
    ];
  }
  add(e: Expected) {
    this.entries.push(e);
  }
  /** What an erasure of `scope` must erase: every entry still holding content that is that party's or the whole case's; all of it for 'all'. */
  erase(scope: Scope, basis: string, at: string, note: string | undefined) {
    const erases = this.entries.flatMap((e, i) =>
      Object.keys(e.personal).length && !e.erased && (scope === 'all' || e.concerns === scope || e.concerns === 'both') ? [i] : [],
    );
    for (const i of erases) this.entries[i]!.erased = { at, reason: basis };
    this.entries.push({
      type: 'PERSONAL_DATA_ERASED',
      coded: { party: scope, basis },
      personal: note === undefined ? {} : { note },
      concerns: 'record',
      erases,
    });
    return erases.length;
  }
}

/** The history read back must be the model: erased entries marked, with only their coded fields; the others whole. */
function expectHistory(history: HistoryRecord[], model: CaseModel) {
  expect(history.map((h) => h.type)).toEqual(model.entries.map((e) => e.type));
  const seqs = history.map((h) => h.seq);
  history.forEach((h, i) => {
    const e = model.entries[i]!;
    const coded = e.erases ? { ...e.coded, erasedSeqs: e.erases.map((j) => seqs[j]) } : e.coded;
    if (e.erased) {
      expect(h, `${h.type} at ${h.seq}`).toMatchObject({ erased: e.erased });
      expect(h.data, `${h.type} at ${h.seq}`).toEqual(coded);
    } else {
      expect(h.erased, `${h.type} at ${h.seq}`).toBeUndefined();
      expect(h.data, `${h.type} at ${h.seq}`).toEqual({ ...coded, ...e.personal });
    }
  });
}

/** Texts for one event's personal fields: a text per slot, from a list that may be shorter. */
const slotText = (texts: readonly string[], k: number) => texts[k % texts.length]!;

/**
 * The steps that take a case from consent to an outcome, each with arbitrary
 * personal content from `texts`: a victim's answer with access needs, the
 * offender's, a risk assessment, preparation of both, a supporter, a
 * conference at a venue and its outcome with its attendees and agreement.
 */
function progressStep(step: number, texts: readonly string[], supporterOf: Party, at: Date, email?: string): Expected | undefined {
  const t = (k: number) => slotText(texts, k);
  const soon = new Date(at.getTime() + days(7)).toISOString();
  const due = new Date(at.getTime() + days(30)).toISOString().slice(0, 10);
  const steps: (() => Expected)[] = [
    () => ({ type: 'INVITE_VICTIM', coded: {}, personal: {}, concerns: 'victim' }),
    () => ({
      type: 'VICTIM_RESPONDED',
      coded: { response: 'yes', preferredProcess: 'conference' },
      personal: { accessNeeds: t(0), safeContact: t(1), note: t(2) },
      concerns: 'victim',
    }),
    () => ({ type: 'RECORD_OFFENDER_RESPONSE', coded: { response: 'willing' }, personal: { note: t(3) }, concerns: 'offender' }),
    () => ({
      type: 'SUBMIT_RISK_ASSESSMENT',
      coded: { level: 'low', directContactAllowed: true },
      personal: { factors: { safety: t(0) }, mitigations: t(1) },
      concerns: 'both',
    }),
    () => ({ type: 'RECORD_PREPARATION', coded: { party: 'victim' }, personal: { note: t(2) }, concerns: 'victim' }),
    () => ({ type: 'ADD_SUPPORTER', coded: { party: supporterOf }, personal: { name: t(3), ...(email ? { email } : {}) }, concerns: supporterOf }),
    () => ({ type: 'RECORD_PREPARATION', coded: { party: 'offender' }, personal: { note: t(0) }, concerns: 'offender' }),
    () => ({ type: 'CHOOSE_PROCESS', coded: { process: 'conference' }, personal: {}, concerns: 'both' }),
    () => ({ type: 'SCHEDULE_CONFERENCE', coded: { startsAt: soon }, personal: { venue: t(1) }, concerns: 'both' }),
    () => ({
      type: 'RECORD_OUTCOME',
      coded: { heldAt: at.toISOString(), agreement: [{ dueDate: due }] },
      personal: { attendees: [t(2), t(3)], agreement: [{ action: t(0), owner: t(1), dueDate: due }], note: t(2) },
      concerns: 'both',
    }),
  ];
  return steps[step]?.();
}
const progressSteps = 10;
const note = (text: string): Expected => ({ type: 'ADD_NOTE', coded: {}, personal: { text }, concerns: 'both' });
const bodyOf = (e: Expected) => ({ type: e.type, ...e.coded, ...e.personal });

const bases = ['erasure_request', 'consent_withdrawn', 'no_longer_necessary', 'unlawfully_processed', 'legal_obligation'] as const;

/** A copy of the live database, changed over a raw connection, then checked as the app checks it: the whole chain and the case's own entries. */
async function checkTampered(app: TestApp, path: string, caseId: string, tamper: (db: Database.Database) => void) {
  await app.services.backup!(path);
  return tamperWith(path, caseId, tamper);
}

/** The database at `path` changed over a raw connection, then checked through a store of its own. */
async function tamperWith(path: string, caseId: string, tamper: (db: Database.Database) => void) {
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

const eraseWithSql = (db: Database.Database, seq: number) =>
  expect(
    db
      .prepare("UPDATE history_content SET salt = NULL, content = NULL, erased_at = '2026-11-24T09:00:00.000Z', erased_reason = 'erasure_request' WHERE seq = ? AND erased_at IS NULL")
      .run(seq).changes,
  ).toBe(1);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('erasing personal content from the chained history', () => {
  const tmp = tempDir();
  const clock = testClock();
  let app: TestApp;
  let staff: Staff;
  let supervisor: Caller;
  let copies = 0;
  const copyPath = () => `${tmp.dir}/copy-${++copies}.sqlite`;

  /** The 30 cases: each one's model, how far it went and what was erased. */
  const built: { id: string; model: CaseModel; scope: Scope | null; again: boolean }[] = [];
  const totalEvents = () => built.reduce((n, b) => n + b.model.entries.length, 0);
  const seqsOf = async (id: string) => (await app.services.store.history(id)).map((h) => h.seq);

  beforeAll(async () => {
    app = await startApp(`${tmp.dir}/rj.sqlite`, clock);
    staff = await addStaff(app.services);
    supervisor = { kind: 'user', id: staff.supervisor.id, role: 'supervisor' };

    const scopes: (Scope | null)[] = ['victim', 'offender', 'all', null];
    const erase = async (b: (typeof built)[number], scope: Scope, i: number) => {
      const basis = bases[i % bases.length]!;
      const at = clock().toISOString();
      const erasureNote = i % 5 === 0 ? `Asked by phone on behalf of case ${i}` : undefined;
      const expected = b.model.erase(scope, basis, at, erasureNote);
      const erased = await app.services.store.erasePersonalData({ caseId: b.id, party: scope, basis, actor: supervisor, at, ...(erasureNote ? { note: erasureNote } : {}) });
      expect(erased?.erasedSeqs).toHaveLength(expected);
    };

    // Thirty cases at once, so their entries interleave in the chain as concurrent casework would.
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const id = await openCase(app, staff, sampleReferral({ victim: { name: `Victim ${i}`, email: `victim${i}@example.org` } }));
        const b = { id, model: new CaseModel(staff.facilitator.id), scope: scopes[i % 4]!, again: i % 6 === 0 && scopes[i % 4] !== null };
        built[i] = b;
        const send = async (e: Expected) => {
          const r = await app.request('POST', `/api/cases/${id}/events`, { token: staff.facilitator.token, body: bodyOf(e) });
          expect(r.status, `${e.type} on case ${i}: ${JSON.stringify(r.body)}`).toBe(200);
          b.model.add(e);
        };
        const texts = [`Victim ${i} uses a wheelchair`, `Call Victim ${i} after 6pm on 07700 900${String(i).padStart(3, '0')}`, `Oscar ${i} said sorry`, `Sam Supporter ${i}`];
        await send(note(`First call with Victim ${i} and Oscar ${i}`));
        // A third of the cases reach risk assessment, a third preparation with a supporter, a third an outcome.
        const reach = [3, 7, progressSteps][i % 3]!;
        for (let step = 0; step < reach; step++) await send(progressStep(step, texts, i % 2 ? 'offender' : 'victim', clock(), `supporter${i}@example.org`)!);
        if (reach === progressSteps) await send(note(`Oscar ${i} has written the letter`));
        if (b.scope) await erase(b, b.scope, i);
        // New content after an erasure is kept, and chained like any other.
        if (i % 2 === 0) await send(note(`After the erasure: spoke to Oscar ${i} again`));
        if (b.again) await erase(b, 'all', i + 1);
      }),
    );
  });
  afterAll(async () => {
    await app.stop();
    tmp.remove();
  });

  it('erased something of every kind: notes, answers, supporters, outcomes, of either party and of whole cases', () => {
    const erased = built.flatMap((b) => b.model.entries.filter((e) => e.erased).map((e) => e.type));
    for (const type of ['ADD_NOTE', 'VICTIM_RESPONDED', 'RECORD_OFFENDER_RESPONSE', 'SUBMIT_RISK_ASSESSMENT', 'RECORD_PREPARATION', 'ADD_SUPPORTER', 'SCHEDULE_CONFERENCE', 'RECORD_OUTCOME', 'PERSONAL_DATA_ERASED']) {
      expect(erased, type).toContain(type);
    }
    expect(erased.length).toBeGreaterThan(100);
  });

  it('the chain still verifies after the erasures, through the store, the CLI and each case’s own check', async () => {
    expect(await app.services.store.verifyChain()).toEqual({ ok: true, events: totalEvents() });
    const cli = await runCli(['audit', 'verify'], { databasePath: app.dbPath });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(`ok ${totalEvents()} events`);
    for (const b of built) expect(await app.services.store.brokenEntries(b.id)).toEqual([]);
  });

  it('the history shows each erased entry as erased, when and why, with only its coded fields; the rest keep their content', async () => {
    for (const b of built) expectHistory(await app.services.store.history(b.id), b.model);
  });

  it('the erased content and its salt are gone from the database, and every erasure names exactly the rows it erased', async () => {
    const db = new Database(app.dbPath, { readonly: true, fileMustExist: true });
    try {
      for (const b of built) {
        const seqs = await seqsOf(b.id);
        const rows = db
          .prepare('SELECT h.seq, h.content_hash, c.salt, c.content, c.erased_at, c.erased_reason FROM history h LEFT JOIN history_content c ON c.seq = h.seq WHERE h.case_id = ? ORDER BY h.seq')
          .all(b.id) as { seq: number; content_hash: string | null; salt: string | null; content: string | null; erased_at: string | null; erased_reason: string | null }[];
        rows.forEach((r, i) => {
          const e = b.model.entries[i]!;
          expect(r.seq).toBe(seqs[i]);
          if (!Object.keys(e.personal).length) {
            // Nothing personal: no commitment, no content row.
            expect(r).toMatchObject({ content_hash: null, salt: null, content: null, erased_at: null });
          } else if (e.erased) {
            // The commitment stands alone: nobody can test a guess at the content against it without the salt.
            expect(r).toMatchObject({ content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), salt: null, content: null, erased_at: e.erased.at, erased_reason: e.erased.reason });
          } else {
            expect(r).toMatchObject({ content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), salt: expect.stringMatching(/^[0-9a-f]{64}$/), erased_at: null });
            expect(JSON.parse(r.content!)).toEqual(e.personal);
          }
        });
      }
    } finally {
      db.close();
    }
  });

  describe('tampering after the erasures is found at the row tampered with', () => {
    /** Rows to tamper with, in cases that had erasures and one that had none. */
    const target = async (caseIndex: number, pick: (e: Expected, i: number) => boolean) => {
      const b = built[caseIndex]!;
      const i = b.model.entries.findIndex(pick);
      expect(i, `case ${caseIndex} has the entry wanted`).toBeGreaterThanOrEqual(0);
      return { caseId: b.id, seq: (await seqsOf(b.id))[i]!, expected: b.model.entries[i]! };
    };
    // Case 1 had the offender's content erased: the victim's answer is kept, the offender's answer erased.
    const kept = () => target(1, (e) => e.type === 'VICTIM_RESPONDED');
    const erased = () => target(1, (e) => e.type === 'RECORD_OFFENDER_RESPONSE');
    // Case 4 had the victim's content erased, then a note added after the erasure entry.
    const afterErasure = () => target(4, (e, i) => e.type === 'ADD_NOTE' && i > built[4]!.model.entries.findIndex((x) => x.type === 'PERSONAL_DATA_ERASED'));
    // Case 11 had nothing erased.
    const untouched = () => target(11, (e) => e.type === 'SUBMIT_RISK_ASSESSMENT');

    const foundAt = (result: { chain: ChainCheck; broken: unknown }, seq: number) => {
      expect(result.chain).toMatchObject({ ok: false, firstBadSeq: seq });
      expect(result.broken).toEqual([{ seq, problem: 'altered' }]);
    };

    it('the rows picked are as the model says: content kept, content erased, content after the erasure, a case never erased', async () => {
      const b1 = (await app.services.store.history(built[1]!.id)).map((h) => [h.type, h.erased !== undefined]);
      expect(b1).toContainEqual(['VICTIM_RESPONDED', false]);
      expect(b1).toContainEqual(['RECORD_OFFENDER_RESPONSE', true]);
      expect((await afterErasure()).expected.erased).toBeUndefined();
      expect(built[11]!.scope).toBeNull();
      expect((await app.services.store.history(built[11]!.id)).some((h) => h.erased)).toBe(false);
    });

    it('(a) a changed commitment, of content kept or erased', async () => {
      for (const row of [await kept(), await erased(), await untouched()]) {
        const result = await checkTampered(app, copyPath(), row.caseId, (db) => {
          db.exec('DROP TRIGGER history_no_update');
          db.prepare('UPDATE history SET content_hash = ? WHERE seq = ?').run(sha256('a guess'), row.seq);
        });
        foundAt(result, row.seq);
      }
    });

    it('(b) changed content, and erased content put back (even the very text it had, under a new salt)', async () => {
      const row = await kept();
      foundAt(
        await checkTampered(app, copyPath(), row.caseId, (db) => {
          db.exec('DROP TRIGGER history_content_erase_only');
          db.prepare('UPDATE history_content SET content = ? WHERE seq = ?').run(JSON.stringify({ ...row.expected.personal, note: 'edited' }), row.seq);
        }),
        row.seq,
      );
      const gone = await erased();
      foundAt(
        await checkTampered(app, copyPath(), gone.caseId, (db) => {
          db.exec('DROP TRIGGER history_content_erase_only');
          db.prepare('UPDATE history_content SET salt = ?, content = ?, erased_at = NULL, erased_reason = NULL WHERE seq = ?').run(
            randomBytes(32).toString('hex'),
            JSON.stringify(gone.expected.personal),
            gone.seq,
          );
        }),
        gone.seq,
      );
    });

    it('(c) a changed salt', async () => {
      for (const row of [await kept(), await untouched()]) {
        foundAt(
          await checkTampered(app, copyPath(), row.caseId, (db) => {
            db.exec('DROP TRIGGER history_content_erase_only');
            db.prepare('UPDATE history_content SET salt = ? WHERE seq = ?').run(randomBytes(32).toString('hex'), row.seq);
          }),
          row.seq,
        );
      }
    });

    it('(d) content erased with SQL, with no chained entry recording it: in a case with erasures of other rows, after its erasure, or in a case never erased', async () => {
      for (const row of [await kept(), await afterErasure(), await untouched()]) {
        // The trigger lets content be erased (it only stops rewriting): what shows this erasure is that no entry records it.
        foundAt(await checkTampered(app, copyPath(), row.caseId, (db) => eraseWithSql(db, row.seq)), row.seq);
      }
    });

    it('(d) the CLI names the row erased with no record', async () => {
      const row = await untouched();
      const path = copyPath();
      await checkTampered(app, path, row.caseId, (db) => eraseWithSql(db, row.seq));
      const cli = await runCli(['audit', 'verify'], { databasePath: path });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(new RegExp(`\\bevent ${row.seq}\\b`));
      expect(cli.stdout).not.toMatch(/^ok/m);
    });

    it('(e) a deleted content row of a row that committed to content, kept or erased', async () => {
      for (const row of [await kept(), await erased()]) {
        foundAt(
          await checkTampered(app, copyPath(), row.caseId, (db) => {
            db.exec('DROP TRIGGER history_content_no_delete');
            expect(db.prepare('DELETE FROM history_content WHERE seq = ?').run(row.seq).changes).toBe(1);
          }),
          row.seq,
        );
      }
    });

    it('a recorded erasure’s list of rows edited to cover an erasure made with SQL is found at the erasure entry', async () => {
      const row = await kept();
      const entry = await target(1, (e) => e.type === 'PERSONAL_DATA_ERASED');
      foundAt(
        await checkTampered(app, copyPath(), row.caseId, (db) => {
          eraseWithSql(db, row.seq);
          db.exec('DROP TRIGGER history_no_update');
          const data = JSON.parse(db.prepare('SELECT data FROM history WHERE seq = ?').pluck().get(entry.seq) as string) as { erasedSeqs: number[] };
          db.prepare('UPDATE history SET data = ? WHERE seq = ?').run(JSON.stringify({ ...data, erasedSeqs: [...data.erasedSeqs, row.seq] }), entry.seq);
        }),
        entry.seq,
      );
    });

    describe('a correction of a party’s details accounts for erasing the details it supersedes (reason "rectified")', () => {
      /** A copy with a victim's correction and a later correction of `laterParty`, chained by the store, whose first correction is then erased with SQL. */
      async function correctedTwice(laterParty: Party | null) {
        const path = copyPath();
        await app.services.backup!(path);
        const caseId = built[11]!.id;
        const actor = { kind: 'user' as const, id: staff.supervisor.id, role: 'supervisor' };
        const at = clock().toISOString();
        let first: number;
        const store = createSqliteStore(openDatabase(path));
        try {
          const correct = (party: Party, name: string) =>
            store.recordEntry(caseId, { type: 'CORRECT_PARTY_DETAILS', actor, at, data: { party, name, reason: 'Spelt wrongly in the referral' } });
          await correct('victim', 'Vera Victum');
          if (laterParty) await correct(laterParty, laterParty === 'victim' ? 'Vera Victim' : 'Oscar Offender');
          expect((await store.verifyChain()).ok).toBe(true);
          first = (await store.history(caseId)).find((h) => h.type === 'CORRECT_PARTY_DETAILS')!.seq;
        } finally {
          store.close();
        }
        const result = await tamperWith(path, caseId, (db) =>
          expect(
            db.prepare("UPDATE history_content SET salt = NULL, content = NULL, erased_at = ?, erased_reason = 'rectified' WHERE seq = ?").run(at, first).changes,
          ).toBe(1),
        );
        return { seq: first, ...result };
      }

      it('superseded by a later correction of the same party: the chain verifies', async () => {
        const result = await correctedTwice('victim');
        expect(result.chain.ok).toBe(true);
        expect(result.broken).toEqual([]);
      });

      it('with no later correction: found at the row', async () => {
        const result = await correctedTwice(null);
        foundAt(result, result.seq);
      });

      it('with only a later correction of the other party: found at the row', async () => {
        const result = await correctedTwice('offender');
        foundAt(result, result.seq);
      });
    });
  });

  describe('property: any content, any events and erasures in any order, across a few cases', () => {
    const text = fc
      .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom('"\\\u0000\u001f\u2028\ud800', '\udfff x'))
      .filter((s) => s.trim().length > 0)
      .map((s) => s.trim());
    type Action =
      | { kind: 'advance'; texts: string[]; supporterOf: Party; email: string | null }
      | { kind: 'note'; text: string }
      | { kind: 'erase'; scope: Scope; basis: string; note: string | null };
    const action: fc.Arbitrary<Action> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('advance' as const),
          texts: fc.array(text, { minLength: 1, maxLength: 4 }),
          supporterOf: fc.constantFrom<Party>('victim', 'offender'),
          email: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,9}@example\.org$/), { nil: null }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('note' as const), text }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('erase' as const),
          scope: fc.constantFrom<Scope>('victim', 'offender', 'all'),
          basis: fc.constantFrom(...bases),
          note: fc.option(text, { nil: null }),
        }),
      },
    );
    const run = fc.record({
      // Every case starts with a note, so each run has content to tamper with.
      cases: fc.array(fc.tuple(text, fc.array(action, { maxLength: 16 })), { minLength: 1, maxLength: 3 }),
      order: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
      target: fc.nat(),
      tamper: fc.constantFrom('commitment', 'content', 'salt'),
      replacement: text,
    });

    it('the chain verifies after every run, and tampering with a row’s commitment, content or salt is found at exactly that row', async () => {
      const { engine, store } = app.services;
      const facilitator: Caller = { kind: 'user', id: staff.facilitator.id, role: 'facilitator' };
      const accept = <T,>(what: string, outcome: { kind: string; value?: T }) => {
        expect(outcome.kind, `${what}: ${JSON.stringify(outcome)}`).toBe('ok');
        return outcome.value as T;
      };

      await fc.assert(
        fc.asyncProperty(run, async ({ cases, order, target, tamper, replacement }) => {
          // Open the cases, then play every case's actions, interleaved across cases in the order drawn.
          const live = await Promise.all(
            cases.map(async ([first, actions]) => {
              const { id } = accept<{ id: string }>('create', await engine.createCase(sampleReferral(), supervisor as Caller & { kind: 'user' }));
              accept('accept', await engine.submit({ caseId: id, body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] }, caller: supervisor }));
              return { id, model: new CaseModel(staff.facilitator.id), queue: [{ kind: 'note', text: first } as Action, ...actions], step: 0 };
            }),
          );
          for (let k = 0; ; k++) {
            const waiting = live.filter((c) => c.queue.length);
            if (!waiting.length) break;
            const c = waiting[order[k % order.length]! % waiting.length]!;
            const a = c.queue.shift()!;
            if (a.kind === 'erase') {
              const at = clock().toISOString();
              const expected = c.model.erase(a.scope, a.basis, at, a.note ?? undefined);
              const erased = await store.erasePersonalData({ caseId: c.id, party: a.scope, basis: a.basis, actor: supervisor, at, ...(a.note !== null ? { note: a.note } : {}) });
              expect(erased?.erasedSeqs).toHaveLength(expected);
              continue;
            }
            const e = a.kind === 'note' ? note(a.text) : (progressStep(c.step++, a.texts, a.supporterOf, clock(), a.email ?? undefined) ?? note(a.texts[0]!));
            accept(e.type, await engine.submit({ caseId: c.id, body: bodyOf(e), caller: facilitator }));
            c.model.add(e);
          }

          const openedRaw = new Database(app.dbPath, { fileMustExist: true });
          const rows = () => openedRaw.prepare('SELECT count(*) FROM history').pluck().get() as number;
          try {
            expect(await store.verifyChain()).toEqual({ ok: true, events: rows() });
            for (const c of live) {
              expectHistory(await store.history(c.id), c.model);
              expect(await store.brokenEntries(c.id)).toEqual([]);
            }

            // One row of this run that committed to content, erased or not, tampered with inside a transaction that is then rolled back.
            const candidates = openedRaw
              .prepare(
                `SELECT h.seq, h.case_id AS caseId, c.salt, c.content FROM history h JOIN history_content c ON c.seq = h.seq
                 WHERE h.case_id IN (${live.map(() => '?').join(',')}) ORDER BY h.seq`,
              )
              .all(...live.map((c) => c.id)) as { seq: number; caseId: string; salt: string | null; content: string | null }[];
            expect(candidates.length).toBeGreaterThan(0);
            const row = candidates[target % candidates.length]!;
            openedRaw.exec('BEGIN IMMEDIATE');
            try {
              openedRaw.exec('DROP TRIGGER history_no_update; DROP TRIGGER history_content_erase_only');
              const guessedContent = JSON.stringify({ text: replacement });
              if (tamper === 'commitment') {
                openedRaw.prepare('UPDATE history SET content_hash = ? WHERE seq = ?').run(sha256(`${row.seq}:${replacement}`), row.seq);
              } else if (row.content === null) {
                // Erased: content (and so a salt) can only come back together; a guess, under a salt of the guesser's choosing.
                openedRaw.prepare('UPDATE history_content SET salt = ?, content = ?, erased_at = NULL, erased_reason = NULL WHERE seq = ?').run(sha256(replacement), guessedContent, row.seq);
              } else if (tamper === 'content') {
                openedRaw.prepare('UPDATE history_content SET content = ? WHERE seq = ?').run(guessedContent === row.content ? `${guessedContent} ` : guessedContent, row.seq);
              } else {
                const salt = sha256(replacement);
                openedRaw.prepare('UPDATE history_content SET salt = ? WHERE seq = ?').run(salt === row.salt ? sha256(salt) : salt, row.seq);
              }
              expect(verifyChainInline(openedRaw)).toMatchObject({ ok: false, firstBadSeq: row.seq });
              expect(await sqliteAudit(openedRaw, writeQueueFor(openedRaw)).brokenEntries(row.caseId)).toEqual([{ seq: row.seq, problem: 'altered' }]);
            } finally {
              openedRaw.exec('ROLLBACK');
            }
            expect(verifyChainInline(openedRaw)).toEqual({ ok: true, events: rows() });
          } finally {
            openedRaw.close();
          }
        }),
        { numRuns: 50 },
      );
    });
  });
});
