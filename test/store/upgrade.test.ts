import { afterAll, describe, expect, it } from 'vitest';
import { migrationFiles, openDatabase } from '../../src/store/database.js';
import { caseClient } from '../api/apiSteps.js';
import { addStaff, openCase, startApp, tempDir } from '../support/harness.js';

describe('upgrading a database in use', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('forgets Idempotency-Keys stored in the old form, and a retry of one is then a new request', async () => {
    const path = `${tmp.dir}/rj.sqlite`;
    // A database as the release before the replay migration left it, with a key answered then.
    const before = openDatabase(path, { migrate: false });
    before.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const m of migrationFiles().filter((f) => f.name < '20261123_1200')) {
      before.exec(m.sql);
      before.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(m.name, '2026-11-20T09:00:00Z');
    }
    before
      .prepare('INSERT INTO idempotency_keys (actor_key, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run('user:someone', 'key-from-before', 'hash', 200, '{"case":{}}', '2026-11-20T09:00:00Z');
    before.close();

    const app = await startApp(path);
    try {
      const db = openDatabase(path, { migrate: false });
      try {
        expect(db.prepare('SELECT count(*) FROM idempotency_keys').pluck().get()).toBe(0);
        expect(db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all('idempotency_keys')).toEqual([
          'id', 'key_hash', 'request_hash', 'case_id', 'version', 'at', 'snapshot', 'machine_version',
        ]);
      } finally {
        db.close();
      }
      const staff = await addStaff(app.services);
      const c = caseClient(app, await openCase(app, staff));
      const headers = { 'idempotency-key': 'key-from-before' };
      const body = { type: 'ADD_NOTE', text: 'Sent again after the upgrade.' };
      const first = await app.request('POST', `/api/cases/${c.id}/events`, { token: staff.facilitator.token, body, headers });
      const again = await app.request('POST', `/api/cases/${c.id}/events`, { token: staff.facilitator.token, body, headers });
      expect([first.status, again.status]).toEqual([200, 200]);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.case.version).toBe(first.body.case.version);
    } finally {
      await app.stop();
    }
  });
});
