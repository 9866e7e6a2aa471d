import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, commitContent } from '../../src/store/historyChain.js';
import { runCli } from '../cli/runCli.js';
import { addStaff, openCase, startApp, tempDir, testClock, type Staff, type TestApp } from '../support/harness.js';

/**
 * Someone with write access to the database file edits or deletes history.
 * The triggers stop a plain UPDATE or DELETE; once they are dropped, the hash
 * chain must show where the history was changed, through the API and the CLI.
 * Every row here is chained under rule 2 (a fresh database): a note's text is
 * in history_content, and the row holds only the commitment to it.
 */
describe('tampering with the history', () => {
  const tmp = tempDir();
  const clock = testClock();
  const basePath = `${tmp.dir}/base.sqlite`;
  let base: TestApp;
  let staff: Staff;
  let caseId: string;
  let copies = 0;
  const opened: TestApp[] = [];
  // REFERRAL_RECEIVED, ACCEPT_REFERRAL, INVITE_VICTIM, three ADD_NOTEs.
  const eventCount = 6;

  beforeAll(async () => {
    base = await startApp(basePath, clock);
    staff = await addStaff(base.services);
    caseId = await openCase(base, staff);
    for (const body of [{ type: 'INVITE_VICTIM' }, { type: 'ADD_NOTE', text: 'first' }, { type: 'ADD_NOTE', text: 'second' }, { type: 'ADD_NOTE', text: 'third' }]) {
      const r = await base.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });
  afterAll(async () => {
    for (const app of [base, ...opened]) await app.stop();
    tmp.remove();
  });

  /** A fresh copy of the base database with the app running on it, and a raw connection to the same file. */
  async function copy() {
    const path = `${tmp.dir}/copy-${++copies}.sqlite`;
    await base.services.backup!(path);
    const app = await startApp(path, clock);
    opened.push(app);
    const raw = new Database(path, { fileMustExist: true });
    return {
      path,
      app,
      raw,
      verify: async () => {
        const r = await app.request('GET', '/api/audit/verify', { token: staff.supervisor.token });
        expect(r.status).toBe(200);
        return r.body;
      },
      row: (seq: number) => raw.prepare('SELECT * FROM history WHERE seq = ?').get(seq) as Record<string, string | number | null>,
      content: (seq: number) => raw.prepare('SELECT * FROM history_content WHERE seq = ?').get(seq) as Record<string, string | number | null> | undefined,
      done: () => raw.close(),
    };
  }

  it('an untouched history verifies, through the API and the CLI', async () => {
    const db = await copy();
    expect(await db.verify()).toEqual({ ok: true, events: eventCount });
    const cli = await runCli(['audit', 'verify'], { databasePath: db.path });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(`ok ${eventCount} events`);
    db.done();
  });

  it('refuses UPDATE and DELETE of rows and their content while the triggers stand; edited content is found at its row', async () => {
    const db = await copy();
    const original = db.row(4);
    const content = db.content(4);
    // The note's text is not in the chained row, only a commitment to it.
    expect(original).toMatchObject({ seq: 4, type: 'ADD_NOTE', data: '{}', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(content).toMatchObject({ seq: 4, content: '{"text":"first"}', erased_at: null });

    expect(() => db.raw.prepare('UPDATE history SET data = ? WHERE seq = 4').run('{"text":"edited"}')).toThrow(/append-only/);
    expect(() => db.raw.prepare('UPDATE history SET content_hash = ? WHERE seq = 4').run('0'.repeat(64))).toThrow(/append-only/);
    expect(() => db.raw.prepare('DELETE FROM history WHERE seq = 4').run()).toThrow(/append-only/);
    expect(() => db.raw.prepare('UPDATE history_content SET content = ? WHERE seq = 4').run('{"text":"edited"}')).toThrow(/can only be erased/);
    expect(() => db.raw.prepare('UPDATE history_content SET salt = ? WHERE seq = 4').run('0'.repeat(64))).toThrow(/can only be erased/);
    expect(() => db.raw.prepare('DELETE FROM history_content WHERE seq = 4').run()).toThrow(/can only be erased/);
    expect(db.row(4)).toEqual(original);
    expect(db.content(4)).toEqual(content);
    expect(await db.verify()).toEqual({ ok: true, events: eventCount });

    db.raw.exec('DROP TRIGGER history_content_erase_only');
    expect(db.raw.prepare('UPDATE history_content SET content = ? WHERE seq = 4').run('{"text":"edited"}').changes).toBe(1);

    expect(await db.verify()).toEqual({ ok: false, events: 4, firstBadSeq: 4 });
    const cli = await runCli(['audit', 'verify'], { databasePath: db.path });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/\bevent 4\b/);
    expect(cli.stdout).not.toMatch(/^ok/m);
    expect(await db.app.services.store.brokenEntries(caseId)).toEqual([{ seq: 4, problem: 'altered' }]);
    // The tampered text is what a reader of the case history would now see.
    const history = await db.app.request('GET', `/api/cases/${caseId}/history`, { token: staff.supervisor.token });
    expect(history.body.events[3]).toMatchObject({ seq: 4, data: { text: 'edited' } });
    db.done();
  });

  it('an edited data column is found at its row', async () => {
    const db = await copy();
    db.raw.exec('DROP TRIGGER history_no_update');
    expect(db.raw.prepare('UPDATE history SET data = ? WHERE seq = 4').run('{"text":"edited"}').changes).toBe(1);
    expect(await db.verify()).toEqual({ ok: false, events: 4, firstBadSeq: 4 });
    expect(await db.app.services.store.brokenEntries(caseId)).toEqual([{ seq: 4, problem: 'altered' }]);
    db.done();
  });

  it('an edited type column is found at its row', async () => {
    const db = await copy();
    db.raw.exec('DROP TRIGGER history_no_update');
    db.raw.prepare("UPDATE history SET type = 'DECLINE_REFERRAL' WHERE seq = 2").run();
    expect(await db.verify()).toEqual({ ok: false, events: 2, firstBadSeq: 2 });
    db.done();
  });

  it('an edit that also rewrites its own hash is found at the next row', async () => {
    const db = await copy();
    db.raw.exec('DROP TRIGGER history_no_update');
    const r = db.row(5);
    const data = '{"text":"rewritten"}';
    const hash = chainHash(r.prev_hash as string, [
      5, r.case_id as string, r.type as string, r.actor as string, r.at as string, r.from_state as string, r.to_state as string, data, r.content_hash as string,
    ]);
    db.raw.prepare('UPDATE history SET data = ?, hash = ? WHERE seq = 5').run(data, hash);
    expect(await db.verify()).toEqual({ ok: false, events: 6, firstBadSeq: 6 });
    expect(await db.app.services.store.brokenEntries(caseId)).toEqual([{ seq: 6, problem: 'unlinked' }]);
    db.done();
  });

  it('content rewritten with a new salt, commitment and hash that all agree is found at the next row', async () => {
    const db = await copy();
    db.raw.exec('DROP TRIGGER history_no_update; DROP TRIGGER history_content_erase_only');
    const r = db.row(5);
    const content = '{"text":"rewritten"}';
    const { salt, commitment } = commitContent(content);
    const hash = chainHash(r.prev_hash as string, [
      5, r.case_id as string, r.type as string, r.actor as string, r.at as string, r.from_state as string, r.to_state as string, r.data as string, commitment,
    ]);
    db.raw.prepare('UPDATE history_content SET salt = ?, content = ? WHERE seq = 5').run(salt, content);
    db.raw.prepare('UPDATE history SET content_hash = ?, hash = ? WHERE seq = 5').run(commitment, hash);
    expect(await db.verify()).toEqual({ ok: false, events: 6, firstBadSeq: 6 });
    expect(await db.app.services.store.brokenEntries(caseId)).toEqual([{ seq: 6, problem: 'unlinked' }]);
    db.done();
  });

  it('a deleted row in the middle is found at the row after it', async () => {
    const db = await copy();
    db.raw.exec('DROP TRIGGER history_no_delete');
    expect(db.raw.prepare('DELETE FROM history WHERE seq = 3').run().changes).toBe(1);
    expect(await db.verify()).toEqual({ ok: false, events: 3, firstBadSeq: 4 });
    const cli = await runCli(['audit', 'verify'], { databasePath: db.path });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/\bevent 4\b/);
    db.done();
  });

  it('a deleted last row is detected too (the case says it has had more events than its history holds)', async () => {
    const db = await copy();
    const version = (await db.app.request('GET', `/api/cases/${caseId}`, { token: staff.supervisor.token })).body.case.version;
    expect(version).toBe(eventCount);
    // The last row is a note: its content row goes with it (it references the row), as it would for anyone cutting the history.
    db.raw.exec('DROP TRIGGER history_no_delete; DROP TRIGGER history_content_no_delete');
    expect(db.raw.prepare('DELETE FROM history_content WHERE seq = ?').run(eventCount).changes).toBe(1);
    expect(db.raw.prepare('DELETE FROM history WHERE seq = ?').run(eventCount).changes).toBe(1);
    // The case still records version 6, but only 5 history rows remain for it.
    expect(db.raw.prepare('SELECT count(*) FROM history WHERE case_id = ?').pluck().get(caseId)).toBe(eventCount - 1);
    expect(await db.verify()).toEqual({ ok: false, events: eventCount - 1, firstBadSeq: eventCount });
    db.done();
  });
});
