import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { currentMachineVersion } from '../../machines/case/index.js';
import { createCaseEngine } from '../../src/cases/caseEngine.js';
import { sampleReferral, startApp, tempDir, testClock, type TestApp } from '../support/harness.js';
import { runCli } from './runCli.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The CLI contract from the README, run as real child processes against a temp database file. */
describe('the admin CLI', () => {
  const tmp = tempDir();
  const databasePath = `${tmp.dir}/rj.sqlite`;
  const cli = (args: string[], stdin?: string) => runCli(args, { databasePath, ...(stdin !== undefined ? { stdin } : {}) });
  let app: TestApp | undefined;

  const users = () => {
    const db = new Database(databasePath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT id, email, name, role, password_hash AS passwordHash FROM users ORDER BY created_at, email').all() as {
        id: string;
        email: string;
        name: string;
        role: string;
        passwordHash: string;
      }[];
    } finally {
      db.close();
    }
  };

  beforeAll(() => expect(existsSync(databasePath)).toBe(false));
  afterAll(async () => {
    await app?.stop();
    tmp.remove();
  });

  it('user add (through npm run cli, on a new database) reads the password from stdin and prints the new id last', async () => {
    const r = await runCli(['user', 'add', '--email', 'sam@example.org', '--name', 'Sam Supervisor', '--role', 'supervisor', '--password-stdin'], {
      databasePath,
      via: 'npm',
      stdin: 'a long passphrase for sam\n',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.lastLine).toMatch(uuid);
    // npm's banner comes first; the result is the last line.
    expect(r.stdout).toContain('tsx src/cli.ts');
    const [sam] = users();
    expect(sam).toMatchObject({ id: r.lastLine, email: 'sam@example.org', name: 'Sam Supervisor', role: 'supervisor' });
    // Stored at the service's scrypt cost (tests lower it only for the passwords they set themselves).
    expect(sam!.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    // The password is exactly what came on stdin, without its trailing newline.
    expect(await verifyPassword('a long passphrase for sam', sam!.passwordHash)).toBe(true);
    expect(await verifyPassword('a long passphrase for sam\n', sam!.passwordHash)).toBe(false);
  });

  it('user add through node and the tsx loader directly; the app, running alongside, sees the new user', async () => {
    app = await startApp(databasePath, testClock());
    const r = await cli(['user', 'add', '--email', 'fay@example.org', '--name', 'Fay Facilitator', '--role', 'facilitator', '--password-stdin'], 'twelve chars ok');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(uuid);
    expect(users().map((u) => [u.email, u.role, u.id])).toEqual([
      ['sam@example.org', 'supervisor', expect.stringMatching(uuid)],
      ['fay@example.org', 'facilitator', r.lastLine],
    ]);
  });

  it('refuses a duplicate email, a short password, a bad role and a missing --password-stdin, creating nobody', async () => {
    const add = (email: string, role: string, password: string, flags = ['--password-stdin']) =>
      cli(['user', 'add', '--email', email, '--name', 'Someone', '--role', role, ...flags], password);

    // Independent child processes, run side by side to keep the test quick.
    const [duplicate, duplicateOtherCase, short, badRole, noStdinFlag] = await Promise.all([
      add('fay@example.org', 'facilitator', 'another long password'),
      add('FAY@Example.ORG', 'admin', 'another long password'),
      add('new@example.org', 'facilitator', 'short pw'),
      add('new@example.org', 'superuser', 'a long enough password'),
      add('new@example.org', 'facilitator', 'a long enough password', []),
    ]);

    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toContain('email: a user with this email already exists');
    expect(duplicate.stdout).toBe('');

    expect(duplicateOtherCase.code).not.toBe(0);
    expect(duplicateOtherCase.stderr).toContain('already exists');

    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('password: use at least 12 characters');
    expect(short.stdout).toBe('');

    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/^role: /m);

    expect(noStdinFlag.code).not.toBe(0);
    expect(noStdinFlag.stderr).toContain('--password-stdin');
    expect(noStdinFlag.stderr).toContain('Usage:');

    expect(users().map((u) => u.email)).toEqual(['sam@example.org', 'fay@example.org']);
  });

  it('token create prints a token last that the API accepts for that user', async () => {
    const r = await cli(['token', 'create', '--email', 'fay@example.org']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lastLine).toMatch(/^rj_[A-Za-z0-9_-]{43}$/);
    const fay = users().find((u) => u.email === 'fay@example.org')!;
    const me = await app!.request('GET', '/api/me', { token: r.lastLine });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: fay.id, email: 'fay@example.org', name: 'Fay Facilitator', role: 'facilitator', trainedFor: [] });

    // A second token is a different one, and both work.
    const again = await cli(['token', 'create', '--email', 'fay@example.org']);
    expect(again.lastLine).not.toBe(r.lastLine);
    expect((await app!.request('GET', '/api/me', { token: again.lastLine })).body.id).toBe(fay.id);

    const unknown = await cli(['token', 'create', '--email', 'nobody@example.org']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No active user has that email.');
    expect(unknown.stdout).toBe('');
  });

  it('audit verify prints "ok <n> events" and backup writes a copy with the same history', async () => {
    const supervisorToken = (await cli(['token', 'create', '--email', 'sam@example.org'])).lastLine;
    const fay = users().find((u) => u.email === 'fay@example.org')!;
    const created = await app!.request('POST', '/api/cases', { token: supervisorToken, body: sampleReferral() });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const accepted = await app!.request('POST', `/api/cases/${created.body.case.id}/events`, {
      token: supervisorToken,
      body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [fay.id] },
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);

    const verified = await cli(['audit', 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout.trim()).toBe('ok 2 events');
    expect((await app!.request('GET', '/api/audit/verify', { token: supervisorToken })).body).toEqual({ ok: true, events: 2 });

    const backupPath = `${tmp.dir}/backup.sqlite`;
    const backup = await cli(['backup', '--to', backupPath]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.lastLine).toContain(backupPath);
    const copy = new Database(backupPath, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.prepare('SELECT count(*) FROM history').pluck().get()).toBe(2);
      expect(copy.prepare('SELECT id FROM cases').pluck().all()).toEqual([created.body.case.id]);
    } finally {
      copy.close();
    }
    // The copy's chain verifies on its own.
    const verifiedCopy = await runCli(['audit', 'verify'], { databasePath: backupPath });
    expect(verifiedCopy.code, verifiedCopy.stderr).toBe(0);
    expect(verifiedCopy.lastLine).toBe('ok 2 events');
  });

  it('user train records what a facilitator is trained for, shown by the API; it refuses unknown specialisms and non-facilitators', async () => {
    const trained = await cli(['user', 'train', '--email', 'fay@example.org', '--for', 'domesticAbuse,stalking']);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.lastLine).toBe('fay@example.org is trained for: domesticAbuse, stalking');
    const fayToken = (await cli(['token', 'create', '--email', 'fay@example.org'])).lastLine;
    expect((await app!.request('GET', '/api/me', { token: fayToken })).body.trainedFor).toEqual(['domesticAbuse', 'stalking']);

    const [bogus, supervisor, repeated] = await Promise.all([
      cli(['user', 'train', '--email', 'fay@example.org', '--for', 'juggling']),
      cli(['user', 'train', '--email', 'sam@example.org', '--for', 'stalking']),
      cli(['user', 'train', '--email', 'fay@example.org', '--for', 'stalking,stalking']),
    ]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^trainedFor\.0: one of domesticAbuse, sexualOffence, hateCrime, stalking/m);
    expect(supervisor.code).toBe(2);
    expect(supervisor.stderr).toContain('only a facilitator has specialist training');
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toContain('name each specialism once');
    expect((await app!.request('GET', '/api/me', { token: fayToken })).body.trainedFor).toEqual(['domesticAbuse', 'stalking']);

    const cleared = await cli(['user', 'train', '--email', 'fay@example.org', '--for', 'none']);
    expect(cleared.lastLine).toBe('fay@example.org is trained for: none');
  });

  it('cases migrate --dry-run says which cases would move to the current machine and changes nothing; without it, moves them', async () => {
    const { store, config, linkTokens, clock } = app!.services;
    const onV1 = createCaseEngine({ store, clock, delays: config.delays, linkHash: linkTokens.hashFor, newCasesOn: 1 });
    const created = await onV1.createCase(sampleReferral(), { kind: 'user', id: 'someone', role: 'supervisor' });
    if (created.kind !== 'ok') throw new Error(JSON.stringify(created));
    const { id, reference } = created.value;

    const to = String(currentMachineVersion);
    const dry = await cli(['cases', 'migrate', '--to', to, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`1 case(s) would move to machine v${to} (dry run: nothing was changed)`);
    expect(dry.stdout).toContain(`${reference} v1 → v${to}: referral`);
    expect(dry.stdout).toContain('0 case(s) stay on their version');
    expect(await store.caseById(id)).toMatchObject({ machineVersion: 1, version: 1 });

    const wrongVersion = await cli(['cases', 'migrate', '--to', String(currentMachineVersion + 1)]);
    expect(wrongVersion.code).toBe(2);
    expect(wrongVersion.stderr).toContain(`--to ${to}`);

    const moved = await cli(['cases', 'migrate', '--to', to]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain(`1 case(s) moved to machine v${to}`);
    // The app running alongside reads the moved case, its move in the history.
    expect(await store.caseById(id)).toMatchObject({ machineVersion: currentMachineVersion, version: 2 });
    expect((await store.history(id)).map((e) => e.type)).toEqual(['REFERRAL_RECEIVED', 'MACHINE_MIGRATED']);
    expect((await cli(['cases', 'migrate', '--to', to])).stdout).toContain('0 case(s) moved');
  });

  it('an unknown command, no command, or a missing option prints the usage and exits non-zero', async () => {
    const cases = [['frobnicate'], [], ['user', 'remove', '--email', 'fay@example.org'], ['backup']];
    const results = await Promise.all(cases.map((args) => cli(args)));
    for (const [i, args] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.code, args.join(' ')).not.toBeNull();
      expect(r.stderr, args.join(' ')).toContain('Usage: npm run cli -- <command>');
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(users()).toHaveLength(2);
  });

  it('every command but user add refuses a DATABASE_PATH with no database, and creates nothing there', async () => {
    const missing = `${tmp.dir}/elsewhere/rj.sqlite`;
    for (const args of [['audit', 'verify'], ['backup', '--to', `${tmp.dir}/copy.sqlite`], ['token', 'create', '--email', 'sam@example.org']]) {
      const r = await runCli(args, { databasePath: missing });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`No database at ${missing}: set DATABASE_PATH`);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(existsSync(`${tmp.dir}/elsewhere`)).toBe(false);
    expect(existsSync(`${tmp.dir}/copy.sqlite`)).toBe(false);
  });
});
