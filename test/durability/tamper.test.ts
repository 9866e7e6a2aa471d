import { afterAll, describe, expect, it } from 'vitest';
import { chainHash, commitContent } from '../../src/store/historyChain.js';
import { runCli } from '../cli/runCli.js';
import { addStaff, openCase, startApp, tempDir, testClock, type TestApp } from '../support/harness.js';
import { sharedSecrets } from '../support/pgDatabase.js';
import { rawDatabase } from '../support/rawDatabase.js';

/**
 * Someone with write access to the database edits or deletes history.
 * The triggers stop a plain UPDATE or DELETE; once they are dropped, the hash
 * chain must show where the history was changed, through the API and the CLI,
 * on either store. Every row here is chained under rule 2 (a fresh database):
 * a note's text is in history_content, and the row holds only the commitment to it.
 */
describe('tampering with the history', () => {
  const tmp = tempDir();
  const clock = testClock();
  let databases = 0;
  const opened: TestApp[] = [];
  // REFERRAL_RECEIVED, ACCEPT_REFERRAL, INVITE_VICTIM, three ADD_NOTEs.
  const eventCount = 6;

  afterAll(async () => {
    for (const app of opened) await app.stop();
    tmp.remove();
  });

  /** A fresh database holding one case's six events, the app running on it, and a connection of one's own to it. */
  async function tamperable() {
    const app = await startApp(`${tmp.dir}/db-${++databases}.sqlite`, clock);
    opened.push(app);
    const staff = await addStaff(app.services);
    const caseId = await openCase(app, staff);
    for (const body of [{ type: 'INVITE_VICTIM' }, { type: 'ADD_NOTE', text: 'first' }, { type: 'ADD_NOTE', text: 'second' }, { type: 'ADD_NOTE', text: 'third' }]) {
      const r = await app.request('POST', `/api/cases/${caseId}/events`, { token: staff.facilitator.token, body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const raw = rawDatabase(app);
    const one = async (sql: string, seq: number) => (await raw.all<Record<string, string | number | null>>(sql, [seq]))[0];
    const postgres = raw.store === 'postgres';
    return {
      app,
      staff,
      caseId,
      raw,
      verify: async () => {
        const r = await app.request('GET', '/api/audit/verify', { token: staff.supervisor.token });
        expect(r.status).toBe(200);
        return r.body;
      },
      cli: () => runCli(['audit', 'verify'], { databasePath: app.dbPath, env: app.services.config.databaseUrl ? { DATABASE_URL: app.services.config.databaseUrl, ...sharedSecrets } : {} }),
      row: async (seq: number) => (await one('SELECT * FROM history WHERE seq = ?', seq))!,
      content: (seq: number) => one('SELECT * FROM history_content WHERE seq = ?', seq),
      /** Drops the triggers that guard a table. PostgreSQL's also keep rule-2 rows from being resealed. */
      unguard: async (...triggers: Array<'history_no_update' | 'history_no_delete' | 'history_content_erase_only' | 'history_content_no_delete'>) => {
        for (const name of triggers) {
          const table = name.startsWith('history_content') ? 'history_content' : 'history';
          await raw.run(postgres ? `DROP TRIGGER ${name} ON ${table}` : `DROP TRIGGER ${name}`);
          if (postgres && name === 'history_no_update') await raw.run('DROP TRIGGER history_reseal_rule_1_only ON history');
        }
      },
      done: () => raw.close(),
    };
  }

  it('an untouched history verifies, through the API and the CLI', async () => {
    const db = await tamperable();
    expect(await db.verify()).toEqual({ ok: true, events: eventCount });
    const cli = await db.cli();
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(`ok ${eventCount} events`);
    await db.done();
  });

  it('refuses UPDATE and DELETE of rows and their content while the triggers stand; edited content is found at its row', async () => {
    const db = await tamperable();
    const original = await db.row(4);
    const content = await db.content(4);
    // The note's text is not in the chained row, only a commitment to it.
    expect(original).toMatchObject({ seq: 4, type: 'ADD_NOTE', data: '{}', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(content).toMatchObject({ seq: 4, content: '{"text":"first"}', erased_at: null });

    await expect(db.raw.run('UPDATE history SET data = ? WHERE seq = 4', ['{"text":"edited"}'])).rejects.toThrow(/append-only/);
    await expect(db.raw.run('UPDATE history SET content_hash = ? WHERE seq = 4', ['0'.repeat(64)])).rejects.toThrow(/append-only/);
    await expect(db.raw.run('DELETE FROM history WHERE seq = 4', [])).rejects.toThrow(/append-only/);
    await expect(db.raw.run('UPDATE history_content SET content = ? WHERE seq = 4', ['{"text":"edited"}'])).rejects.toThrow(/can only be erased/);
    await expect(db.raw.run('UPDATE history_content SET salt = ? WHERE seq = 4', ['0'.repeat(64)])).rejects.toThrow(/can only be erased/);
    await expect(db.raw.run('DELETE FROM history_content WHERE seq = 4', [])).rejects.toThrow(/can only be erased/);
    expect(await db.row(4)).toEqual(original);
    expect(await db.content(4)).toEqual(content);
    expect(await db.verify()).toEqual({ ok: true, events: eventCount });

    await db.unguard('history_content_erase_only');
    expect(await db.raw.run('UPDATE history_content SET content = ? WHERE seq = 4', ['{"text":"edited"}'])).toBe(1);

    expect(await db.verify()).toEqual({ ok: false, events: 4, firstBadSeq: 4 });
    const cli = await db.cli();
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/\bevent 4\b/);
    expect(cli.stdout).not.toMatch(/^ok/m);
    expect(await db.app.services.store.brokenEntries(db.caseId)).toEqual([{ seq: 4, problem: 'altered' }]);
    // The tampered text is what a reader of the case history would now see.
    const history = await db.app.request('GET', `/api/cases/${db.caseId}/history`, { token: db.staff.supervisor.token });
    expect(history.body.events[3]).toMatchObject({ seq: 4, data: { text: 'edited' } });
    await db.done();
  });

  it('an edited data column is found at its row', async () => {
    const db = await tamperable();
    await db.unguard('history_no_update');
    expect(await db.raw.run('UPDATE history SET data = ? WHERE seq = 4', ['{"text":"edited"}'])).toBe(1);
    expect(await db.verify()).toEqual({ ok: false, events: 4, firstBadSeq: 4 });
    expect(await db.app.services.store.brokenEntries(db.caseId)).toEqual([{ seq: 4, problem: 'altered' }]);
    await db.done();
  });

  it('an edited type column is found at its row', async () => {
    const db = await tamperable();
    await db.unguard('history_no_update');
    await db.raw.run("UPDATE history SET type = 'DECLINE_REFERRAL' WHERE seq = 2", []);
    expect(await db.verify()).toEqual({ ok: false, events: 2, firstBadSeq: 2 });
    await db.done();
  });

  it('an edit that also rewrites its own hash is found at the next row', async () => {
    const db = await tamperable();
    await db.unguard('history_no_update');
    const r = await db.row(5);
    const data = '{"text":"rewritten"}';
    const hash = chainHash(r.prev_hash as string, [
      5, r.case_id as string, r.type as string, r.actor as string, r.at as string, r.from_state as string, r.to_state as string, data, r.content_hash as string,
    ]);
    await db.raw.run('UPDATE history SET data = ?, hash = ? WHERE seq = 5', [data, hash]);
    expect(await db.verify()).toEqual({ ok: false, events: 6, firstBadSeq: 6 });
    expect(await db.app.services.store.brokenEntries(db.caseId)).toEqual([{ seq: 6, problem: 'unlinked' }]);
    await db.done();
  });

  it('content rewritten with a new salt, commitment and hash that all agree is found at the next row', async () => {
    const db = await tamperable();
    await db.unguard('history_no_update', 'history_content_erase_only');
    const r = await db.row(5);
    const content = '{"text":"rewritten"}';
    const { salt, commitment } = commitContent(content);
    const hash = chainHash(r.prev_hash as string, [
      5, r.case_id as string, r.type as string, r.actor as string, r.at as string, r.from_state as string, r.to_state as string, r.data as string, commitment,
    ]);
    await db.raw.run('UPDATE history_content SET salt = ?, content = ? WHERE seq = 5', [salt, content]);
    await db.raw.run('UPDATE history SET content_hash = ?, hash = ? WHERE seq = 5', [commitment, hash]);
    expect(await db.verify()).toEqual({ ok: false, events: 6, firstBadSeq: 6 });
    expect(await db.app.services.store.brokenEntries(db.caseId)).toEqual([{ seq: 6, problem: 'unlinked' }]);
    await db.done();
  });

  it('a deleted row in the middle is found at the row after it', async () => {
    const db = await tamperable();
    await db.unguard('history_no_delete');
    expect(await db.raw.run('DELETE FROM history WHERE seq = 3', [])).toBe(1);
    expect(await db.verify()).toEqual({ ok: false, events: 3, firstBadSeq: 4 });
    const cli = await db.cli();
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/\bevent 4\b/);
    await db.done();
  });

  it('a deleted last row is detected too (the case says it has had more events than its history holds)', async () => {
    const db = await tamperable();
    const version = (await db.app.request('GET', `/api/cases/${db.caseId}`, { token: db.staff.supervisor.token })).body.case.version;
    expect(version).toBe(eventCount);
    // The last row is a note: its content row goes with it (it references the row), as it would for anyone cutting the history.
    await db.unguard('history_no_delete', 'history_content_no_delete');
    expect(await db.raw.run('DELETE FROM history_content WHERE seq = ?', [eventCount])).toBe(1);
    expect(await db.raw.run('DELETE FROM history WHERE seq = ?', [eventCount])).toBe(1);
    // The case still records version 6, but only 5 history rows remain for it.
    expect(await db.raw.all('SELECT count(*) AS n FROM history WHERE case_id = ?', [db.caseId])).toEqual([{ n: eventCount - 1 }]);
    expect(await db.verify()).toEqual({ ok: false, events: eventCount - 1, firstBadSeq: eventCount });
    await db.done();
  });
});
