import Database from 'better-sqlite3';
import { copyFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpSink } from '../mail/support/smtpSink.js';
import { seedStaff, startAppProcess } from '../support/appProcess.js';
import { httpClient, sampleReferral, tempDir } from '../support/harness.js';
import { runCli } from './runCli.js';

/** Operations on the app as it runs in production: its own process, its own database file. */
describe('backups, restores and one app per database', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('backs up while the app runs; restore is refused under a running app and a second app refuses to start; restored after it stops', async () => {
    const dbPath = `${tmp.dir}/rj.sqlite`;
    const staff = await seedStaff(dbPath);
    const app = await startAppProcess(dbPath);
    const api = httpClient(app.baseUrl);
    try {
      const created = await api('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() });
      expect(created.status).toBe(201);
      const backup = await runCli(['backup', '--to', `${tmp.dir}/nightly.sqlite`], { databasePath: dbPath });
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.lastLine).toContain('its history chain verifies');
      // After the backup: a second case, which a restore of it takes away.
      expect((await api('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() })).status).toBe(201);

      const refused = await runCli(['restore', '--from', `${tmp.dir}/nightly.sqlite`], { databasePath: dbPath });
      expect([refused.code, refused.stderr]).toEqual([3, expect.stringContaining('in use by another process')]);
      await expect(startAppProcess(dbPath)).rejects.toThrow(/Not started: .* is in use by another process.*same emails/);
      expect((await api('GET', '/api/cases', { token: staff.supervisor.token })).body.total).toBe(2);
    } finally {
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
    }

    // A copy of the backup with an entry of its history altered is refused, and the database stays as it is.
    copyFileSync(`${tmp.dir}/nightly.sqlite`, `${tmp.dir}/tampered.sqlite`);
    const tampered = new Database(`${tmp.dir}/tampered.sqlite`);
    tampered.exec('DROP TRIGGER history_no_update');
    tampered.prepare("UPDATE history SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 1").run();
    tampered.close();
    const refusedTampered = await runCli(['restore', '--from', `${tmp.dir}/tampered.sqlite`], { databasePath: dbPath });
    expect([refusedTampered.code, refusedTampered.stderr]).toEqual([3, expect.stringContaining('broken at event 1')]);
    expect(readdirSync(tmp.dir).some((f) => f.startsWith('rj.sqlite.before-restore-'))).toBe(false);

    const restored = await runCli(['restore', '--from', `${tmp.dir}/nightly.sqlite`], { databasePath: dbPath });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.lastLine).toMatch(/history chain verifies \(1 event\)/);
    const keptAside = readdirSync(tmp.dir).filter((f) => f.startsWith('rj.sqlite.before-restore-') && !f.endsWith('-wal') && !f.endsWith('-shm'));
    expect(keptAside).toHaveLength(1);
    const count = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM cases').pluck().get();
      } finally {
        db.close();
      }
    };
    expect([count(dbPath), count(`${tmp.dir}/${keptAside[0]}`)]).toEqual([1, 2]);
    const again = await startAppProcess(dbPath);
    expect((await httpClient(again.baseUrl)('GET', '/api/cases', { token: staff.supervisor.token })).body.total).toBe(1);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});


describe('stopping on SIGTERM', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('answers the request in flight, finishes the send under way, refuses new connections, and exits 0 well within 10 s', async () => {
    const dbPath = `${tmp.dir}/rj.sqlite`;
    const staff = await seedStaff(dbPath);
    const sink = await startSmtpSink();
    const app = await startAppProcess(dbPath, { SMTP_URL: sink.url, MAIL_INTERVAL_MS: '100' });
    try {
      const api = httpClient(app.baseUrl);
      const created = await api('POST', '/api/cases', { token: staff.supervisor.token, body: sampleReferral() });
      // The allocation email is held by the SMTP server: the send is under way when the signal comes.
      await sink.behave('hold');
      await api('POST', `/api/cases/${created.body.case.id}/events`, { token: staff.supervisor.token, body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] } });
      await sink.untilHeld(1);

      // A request whose body is still arriving when the signal comes.
      const body = JSON.stringify({ type: 'ADD_NOTE', text: 'Phoned the victim.' });
      const url = new URL(`${app.baseUrl}/api/cases/${created.body.case.id}/events`);
      const inFlight = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${staff.facilitator.token}`, 'content-type': 'application/json', 'content-length': String(body.length) } });
      const answered = new Promise<number>((resolve, reject) => inFlight.once('response', (res) => (res.resume(), resolve(res.statusCode!))).once('error', reject));
      inFlight.write(body.slice(0, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));

      const signalled = Date.now();
      app.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(fetch(`${app.baseUrl}/healthz`)).rejects.toThrow();
      inFlight.end(body.slice(10));
      expect(await answered).toBe(200);
      sink.release();
      expect(await app.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);

      const db = new Database(dbPath, { readonly: true });
      try {
        expect(db.prepare("SELECT status FROM notices WHERE template = 'allocation'").pluck().all()).toEqual(['sent']);
        expect(db.prepare("SELECT count(*) FROM history WHERE type = 'ADD_NOTE'").pluck().get()).toBe(1);
      } finally {
        db.close();
      }
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
      await sink.close();
    }
  });
});
