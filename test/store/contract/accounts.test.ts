import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { NewUserRecord } from '../../../src/store/store.js';
import { forEachStore } from './stores.js';

const at = (minutes: number) => new Date(Date.parse('2026-12-01T09:00:00Z') + minutes * 60_000).toISOString();

const user = (overrides: Partial<NewUserRecord> = {}): NewUserRecord => ({
  id: randomUUID(),
  email: `${randomUUID()}@rj.test`,
  name: 'Fay Facilitator',
  role: 'facilitator',
  passwordHash: 'scrypt$1024$8$1$salt$hash',
  trainedFor: [],
  createdAt: at(0),
  disabledAt: null,
  ...overrides,
});

forEachStore('users and API tokens', (env) => {
  it('finds a user by id, by email whatever its case, and refuses a second account for the same address', async () => {
    const u = user({ email: 'Sam.Supervisor@RJ.test', role: 'supervisor', name: 'Sam', trainedFor: [] });
    await env.store.addUser(u);
    expect(await env.store.userById(u.id)).toEqual({ ...u, totpSecret: null, lastSignInAt: null });
    expect((await env.store.userByEmail('sam.supervisor@rj.test'))?.id).toBe(u.id);
    await expect(env.store.addUser(user({ email: 'SAM.SUPERVISOR@rj.test' }))).rejects.toThrow();
    expect(await env.store.userById('nobody')).toBeUndefined();
  });

  it('lists users by name ignoring case, active facilitators only, and several by id', async () => {
    const names = ['bea', 'Alma', 'Cyd'];
    const added = names.map((name) => user({ name }));
    for (const u of added) await env.store.addUser(u);
    const disabled = user({ name: 'Aaron' });
    await env.store.addUser(disabled);
    await env.store.disableUser(disabled.id, at(1));
    const listed = (await env.store.allUsers()).map((u) => u.name);
    expect(listed.filter((n) => [...names, 'Aaron'].includes(n))).toEqual(['Aaron', 'Alma', 'bea', 'Cyd']);
    const active = (await env.store.activeFacilitators()).map((u) => u.name);
    expect(active).not.toContain('Aaron');
    expect(active.filter((n) => names.includes(n))).toEqual(['Alma', 'Cyd', 'bea']);
    expect((await env.store.usersByIds([added[0]!.id, added[2]!.id])).map((u) => u.name).sort()).toEqual(['Cyd', 'bea']);
    expect(await env.store.usersByIds([])).toEqual([]);
  });

  it('a token works until it expires or is revoked, and never for a disabled user', async () => {
    const u = user();
    await env.store.addUser(u);
    const token = { id: randomUUID(), userId: u.id, label: 'reports', tokenHash: randomUUID(), createdAt: at(0), expiresAt: at(60) };
    await env.store.addApiToken(token);
    expect((await env.store.userByTokenHash(token.tokenHash, at(59)))?.id).toBe(u.id);
    expect(await env.store.userByTokenHash(token.tokenHash, at(60))).toBeUndefined();
    expect(await env.store.apiTokensOf(u.id)).toEqual([{ id: token.id, userId: u.id, label: 'reports', createdAt: at(0), expiresAt: at(60), revokedAt: null }]);
    expect(await env.store.revokeApiToken(u.id, token.id, at(10))).toBe(true);
    expect(await env.store.revokeApiToken(u.id, token.id, at(11))).toBe(false);
    expect(await env.store.userByTokenHash(token.tokenHash, at(12))).toBeUndefined();

    const second = { ...token, id: randomUUID(), tokenHash: randomUUID() };
    await env.store.addApiToken(second);
    await env.store.disableUser(u.id, at(20));
    expect(await env.store.userByTokenHash(second.tokenHash, at(21))).toBeUndefined();
    expect((await env.store.apiTokensOf(u.id)).find((t) => t.id === second.id)?.revokedAt).toBe(at(20));
  });

  it('a TOTP step and a recovery code are each used once', async () => {
    const u = user();
    await env.store.addUser(u);
    expect(await env.store.useTotpStep(u.id, 100)).toBe(false);
    await env.store.setTwoFactor(u.id, { totpSecret: 'encrypted', recoveryCodeHashes: ['a', 'b'] });
    const steps = await Promise.all([env.store.useTotpStep(u.id, 100), env.store.useTotpStep(u.id, 100)]);
    expect(steps.sort()).toEqual([false, true]);
    expect(await env.store.useTotpStep(u.id, 99)).toBe(false);
    expect(await env.store.useTotpStep(u.id, 101)).toBe(true);
    expect(await env.store.useRecoveryCode(u.id, 'a', at(1))).toBe(true);
    expect(await env.store.useRecoveryCode(u.id, 'a', at(2))).toBe(false);
    expect(await env.store.useRecoveryCode(u.id, 'zzz', at(2))).toBe(false);
    expect(await env.store.recoveryCodesLeft(u.id)).toBe(1);
    await env.store.setTwoFactor(u.id, null);
    expect((await env.store.userById(u.id))?.totpSecret).toBeNull();
    expect(await env.store.recoveryCodesLeft(u.id)).toBe(0);
  });

  it('a set-up link sets the password once, even when used twice at once', async () => {
    const u = user({ passwordHash: 'none' });
    await env.store.addUser(u);
    const link = { id: randomUUID(), userId: u.id, tokenHash: randomUUID(), createdAt: at(0), expiresAt: at(60) };
    await env.store.addSetupLink(link);
    expect(await env.store.setupLinkByHash(link.tokenHash)).toEqual({ id: link.id, userId: u.id, createdAt: at(0), expiresAt: at(60), usedAt: null });
    const results = await Promise.all([env.store.completeSetup(link.id, 'first', at(1)), env.store.completeSetup(link.id, 'second', at(1))]);
    expect(results.sort()).toEqual([false, true]);
    expect(['first', 'second']).toContain((await env.store.userById(u.id))?.passwordHash);
    expect((await env.store.setupLinkByHash(link.tokenHash))?.usedAt).toBe(at(1));
  });
});

forEachStore('staff sessions', (env) => {
  const session = (userId: string, minutes: number) => ({
    tokenHash: randomUUID(),
    userId,
    stage: 'complete' as const,
    userAgent: 'test',
    csrfToken: randomUUID(),
    createdAt: at(minutes),
    lastSeenAt: at(minutes),
    expiresAt: at(minutes + 720),
  });

  it('a session opened by one instance is seen, touched and ended by another', async () => {
    const [a, b] = await env.instances(2);
    const u = user();
    await a!.addUser(u);
    const s = session(u.id, 0);
    await a!.openStaffSession(s);
    expect(await b!.staffSession(s.tokenHash)).toEqual({ ...s, endedAt: null, flash: null });
    await b!.touchStaffSession(s.tokenHash, at(5));
    await b!.setFlash(s.tokenHash, { message: 'Saved' });
    expect(await a!.staffSession(s.tokenHash)).toMatchObject({ lastSeenAt: at(5), flash: { message: 'Saved' } });
    await a!.clearFlash(s.tokenHash);
    await a!.endStaffSession(s.tokenHash, at(6));
    expect(await b!.staffSession(s.tokenHash)).toMatchObject({ endedAt: at(6), flash: null });
    await b!.touchStaffSession(s.tokenHash, at(7));
    expect((await a!.staffSession(s.tokenHash))?.lastSeenAt).toBe(at(5));
  });

  it("lists a user's live sessions newest first, and ends all but one", async () => {
    const u = user();
    await env.store.addUser(u);
    const [older, newer, expired] = [session(u.id, 0), session(u.id, 10), { ...session(u.id, 0), expiresAt: at(30) }];
    for (const s of [older, newer, expired]) await env.store.openStaffSession(s);
    expect((await env.store.staffSessionsOf(u.id, at(40))).map((s) => s.tokenHash)).toEqual([newer.tokenHash, older.tokenHash]);
    await env.store.endStaffSessionsOf(u.id, at(41), newer.tokenHash);
    expect((await env.store.staffSessionsOf(u.id, at(42))).map((s) => s.tokenHash)).toEqual([newer.tokenHash]);
    await env.store.endStaffSessionsOf(u.id, at(43));
    expect(await env.store.staffSessionsOf(u.id, at(44))).toEqual([]);
  });
});

forEachStore('failed access, back-off and alerts', (env) => {
  it('counts failures per key across instances, blocks by the rule given, and forgets after the reset', async () => {
    const [a, b] = await env.instances(2);
    const key = `account:${randomUUID()}`;
    const counts = [{ key, blockFor: (failures: number) => (failures >= 3 ? 60_000 : 0) }];
    const failure = (minutes: number) => ({ at: at(minutes), kind: 'password' as const, userId: null, ip: '192.0.2.1' });
    await Promise.all([a!.recordFailedAccess(failure(0), counts, at(-60)), b!.recordFailedAccess(failure(0), counts, at(-60))]);
    expect(await a!.blockedUntil([key], at(0))).toBeUndefined();
    await b!.recordFailedAccess(failure(1), counts, at(-59));
    expect(await a!.blockedUntil([key, 'other'], at(1))).toBe(at(2));
    expect(await a!.blockedUntil([key], at(2))).toBeUndefined();
    // Idle since before the reset: the count starts again.
    await a!.recordFailedAccess(failure(120), counts, at(60));
    expect(await a!.blockedUntil([key], at(120))).toBeUndefined();
    expect(await b!.accessFailuresSince(at(0))).toBeGreaterThanOrEqual(4);
    expect((await a!.recentAccessFailures(1))[0]).toEqual(failure(120));
    await b!.clearThrottle(key);
  });

  it('raises an alert once however many instances raise it, and again after the quiet period', async () => {
    const instances = await env.instances(3);
    const admin = user({ role: 'admin' });
    await env.store.addUser(admin);
    const kind = `burst:${randomUUID()}`;
    const notice = () => ({ id: randomUUID(), template: 'security_alert', userId: admin.id, data: {}, createdAt: at(0) });
    const raised = await Promise.all(instances.map((s) => s.raiseAlert(kind, at(0), at(-60), [notice()])));
    expect(raised.filter(Boolean)).toHaveLength(1);
    expect(await env.store.raiseAlert(kind, at(30), at(-30), [notice()])).toBe(false);
    expect(await env.store.raiseAlert(kind, at(61), at(1), [notice()])).toBe(true);
  });
});

forEachStore('health', (env) => {
  it('answers, commits a probe, has every migration applied, and counts mail waiting', async () => {
    expect(await env.store.ping()).toBe(true);
    expect(await env.store.writable(at(0))).toBe(true);
    expect(await env.store.writable(at(1))).toBe(true);
    expect(await env.store.pendingMigrations()).toEqual([]);
    expect(await env.store.noticesWaitingSince(at(0))).toBe(0);
  });
});
