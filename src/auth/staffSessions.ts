import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../cases/caseEngine.js';
import type { Store, UserRecord } from '../store/store.js';

/** A session ends after this long without a request (ASVS 7.3.1)… */
export const idleTimeoutMs = 30 * 60 * 1000;
/** …and this long after sign-in, however busy (ASVS 7.3.2). */
export const absoluteTimeoutMs = 12 * 60 * 60 * 1000;

const newToken = () => randomBytes(32).toString('base64url');
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface SignedIn {
  user: UserRecord;
  /** `password` until the second step passes (or two-factor sign-in is set up); only `complete` opens the app. */
  stage: 'password' | 'complete';
  tokenHash: string;
  csrfToken: string;
  /** What the first page after a step says once (see takeFlash). */
  flash: unknown;
}

/** Marking a session used at most once a minute keeps most page views free of a write; the idle timeout is 30 minutes. */
const touchEveryMs = 60 * 1000;

/**
 * Staff sessions held on the server. The cookie carries a random 256-bit token;
 * the database keeps only its hash, the user, a synchronizer token for forms, and
 * when it was last used. Every sign-in gets a new token; nothing carries over.
 */
export function createStaffSessions({ store, clock }: { store: Store; clock: Clock }) {
  async function open(user: UserRecord, stage: SignedIn['stage'], userAgent: string | undefined): Promise<string> {
    const token = newToken();
    const now = clock();
    await store.openStaffSession({
      tokenHash: hashOf(token),
      userId: user.id,
      stage,
      userAgent: userAgent?.slice(0, 200) ?? null,
      csrfToken: newToken(),
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + absoluteTimeoutMs).toISOString(),
    });
    return token;
  }

  /** The signed-in user behind a cookie's token, or undefined when it is unknown, ended, idle too long or too old; marks it used. */
  async function resume(token: unknown): Promise<SignedIn | undefined> {
    if (typeof token !== 'string' || !tokenPattern.test(token)) return undefined;
    const tokenHash = hashOf(token);
    const session = await store.staffSession(tokenHash);
    const now = clock().getTime();
    if (!session || session.endedAt || now >= Date.parse(session.expiresAt) || now - Date.parse(session.lastSeenAt) >= idleTimeoutMs) return undefined;
    const user = await store.userById(session.userId);
    if (!user || user.disabledAt) return undefined;
    if (now - Date.parse(session.lastSeenAt) >= touchEveryMs) await store.touchStaffSession(tokenHash, new Date(now).toISOString());
    return { user, stage: session.stage, tokenHash, csrfToken: session.csrfToken, flash: session.flash };
  }

  const end = (tokenHash: string) => store.endStaffSession(tokenHash, clock().toISOString());

  /** Both steps passed: the half-way session ends and a new one, with a new id, begins (ASVS 7.2.4). */
  async function complete(halfWay: SignedIn, userAgent: string | undefined): Promise<string> {
    await end(halfWay.tokenHash);
    await store.recordSignIn(halfWay.user.id, clock().toISOString());
    return open(halfWay.user, 'complete', userAgent);
  }

  return {
    open,
    resume,
    end,
    complete,
    /** The user's signed-in sessions, newest first, for them to review. */
    of: (userId: string) => store.staffSessionsOf(userId, clock().toISOString()),
    /** Ends the user's other sessions (after a password change), or all of them. */
    endAllOf: (userId: string, except?: string) => store.endStaffSessionsOf(userId, clock().toISOString(), except),
  };
}

export type StaffSessions = ReturnType<typeof createStaffSessions>;

/** Whether a posted form carries its session's synchronizer token, compared in constant time. */
export function csrfMatches(session: SignedIn, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
