import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../cases/caseEngine.js';
import type { Logger } from '../logger.js';
import type { AccessFailureKind, Store } from '../store/store.js';

/** A burst of this many failures within the window alerts the admins by email, at most once an hour. */
export const alertAfter = { failures: 20, windowMs: 5 * 60 * 1000, everyMs: 60 * 60 * 1000 };
/** Counts start again after an hour without a failure. */
const forgetAfterMs = 60 * 60 * 1000;
const longestBlockMs = 15 * 60 * 1000;

/** Exponential back-off: `free` failures cost nothing, then each blocks for twice as long as the last, from 1 s up to 15 minutes. */
export const backOff = (free: number) => (failures: number) => (failures <= free ? 0 : Math.min(1000 * 2 ** (failures - free - 1), longestBlockMs));

/**
 * The same key for an email whether or not an account has it, so neither the
 * back-off nor its message can tell anyone which accounts exist.
 */
const accountKey = (email: string) => `account:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

export type Credential = 'password' | 'api_token' | 'link' | 'setup_link';

/**
 * Failed attempts at a credential: each is an audit entry, each earns back-off (per
 * account for passwords and second steps, per address for every kind), and a burst
 * of them emails the admins. The state is in the database, so every process shares it.
 */
export function createAccessGuard({ store, clock, logger, freePerAccount, freePerAddress }: { store: Store; clock: Clock; logger: Logger; freePerAccount: number; freePerAddress: number }) {
  const keysFor = (credential: Credential, ip: string, email?: string) => [`${credential}:${ip}`, ...(email === undefined ? [] : [accountKey(email)])];

  /** When the caller may try again, if they must wait. */
  async function blocked(credential: Credential, ip: string, email?: string): Promise<Date | undefined> {
    const until = await store.blockedUntil(keysFor(credential, ip, email), clock().toISOString());
    return until ? new Date(until) : undefined;
  }

  async function failed(kind: AccessFailureKind, { ip, email, userId }: { ip: string; email?: string; userId?: string }) {
    const now = clock();
    const at = now.toISOString();
    const credential: Credential = kind === 'second_step' ? 'password' : kind;
    const counts = [
      { key: `${credential}:${ip}`, blockFor: backOff(freePerAddress) },
      ...(email === undefined ? [] : [{ key: accountKey(email), blockFor: backOff(freePerAccount) }]),
    ];
    // The audit entry and the back-off it earns commit together, in one write.
    await store.recordFailedAccess({ at, kind, userId: userId ?? null, ip }, counts, new Date(now.getTime() - forgetAfterMs).toISOString());
    logger.warn({ kind, userId }, 'access failed');
    await alertOnBurst(now);
  }

  async function alertOnBurst(now: Date) {
    const since = new Date(now.getTime() - alertAfter.windowMs).toISOString();
    const failures = await store.accessFailuresSince(since);
    if (failures < alertAfter.failures) return;
    const admins = (await store.allUsers()).filter((u) => u.role === 'admin' && !u.disabledAt);
    const at = now.toISOString();
    const notices = admins.map((admin) => ({ id: randomUUID(), template: 'access_alert', userId: admin.id, data: { failures, minutes: alertAfter.windowMs / 60_000 }, createdAt: at }));
    // Claimed and queued in one transaction: an alert is never claimed without its emails.
    if (!(await store.raiseAlert('access_failures', at, new Date(now.getTime() - alertAfter.everyMs).toISOString(), notices))) return;
    logger.warn({ failures, admins: admins.length }, 'burst of failed access: admins alerted');
  }

  /** A correct password clears the account's back-off; the address's stays until it is forgotten. */
  const succeeded = (email: string) => store.clearThrottle(accountKey(email));

  return { blocked, failed, succeeded };
}

export type AccessGuard = ReturnType<typeof createAccessGuard>;
