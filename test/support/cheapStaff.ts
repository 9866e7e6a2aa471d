import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords.js';
import { specialisms } from '../../machines/case/context.v2.js';
import type { Role } from '../../src/store/store.js';
import { testPasswordCost, type Staff, type TestApp, type TestUser } from './harness.js';

/**
 * Staff written straight into the database, with password hashes at the tests' low scrypt cost (not a
 * test file itself): tests that sign in hundreds of times stay fast without changing the code under test.
 */

export const cheapPassword = 'correct horse battery staple';

export interface CheapStaff extends Staff {
  /** A supervisor with an API token, disabled by `disable()` (after a test has opened a session for them). */
  disabled: TestUser;
}

/**
 * One user with a cheap hash and an API token. The row is written with SQL, naming only the columns
 * a user has always had, so the helper does not follow every new field of the user record.
 */
export async function addCheapUser(app: TestApp, role: Role, name: string, trainedFor: readonly string[] = []): Promise<TestUser> {
  const id = randomUUID();
  const email = `${name.replace(/\s+/g, '')}@test.rj.local`;
  const db = new Database(app.dbPath, { fileMustExist: true });
  try {
    db.prepare('INSERT INTO users (id, email, name, role, password_hash, trained_for, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      id, email, name, role, await hashPassword(cheapPassword, testPasswordCost), JSON.stringify(trainedFor), app.clock().toISOString(),
    );
  } finally {
    db.close();
  }
  return { id, email, token: await app.services.users.createToken(id) };
}

/** The harness's staff (two supervisors, two facilitators, an admin, with the same emails) and a supervisor to disable, with cheap hashes. */
export async function addCheapStaff(app: TestApp): Promise<CheapStaff> {
  return {
    supervisor: await addCheapUser(app, 'supervisor', 'supervisor 1'),
    supervisor2: await addCheapUser(app, 'supervisor', 'supervisor 2'),
    facilitator: await addCheapUser(app, 'facilitator', 'facilitator 1', specialisms),
    facilitator2: await addCheapUser(app, 'facilitator', 'facilitator 2'),
    admin: await addCheapUser(app, 'admin', 'admin 1'),
    disabled: await addCheapUser(app, 'supervisor', 'disabled 9'),
  };
}

/** Disables a user as an administrator would: there is no command for it yet, so the row is set directly. */
export function disableUser(app: TestApp, userId: string) {
  const db = new Database(app.dbPath, { fileMustExist: true });
  try {
    db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(app.clock().toISOString(), userId);
  } finally {
    db.close();
  }
}

/**
 * Signs in through the sign-in form as a browser would, from `address` (behind TRUST_PROXY, so each
 * sign-in can come from its own); the session's cookie and its anti-forgery token, read from the
 * sign-out form of the page signing in leads to (following its redirects, as an admin's start page is one).
 */
export async function signInSession(app: Pick<TestApp, 'baseUrl'>, email: string, address = '127.0.0.1', password = cheapPassword): Promise<{ cookie: string; csrf: string }> {
  const from = { 'x-forwarded-for': address };
  const form = await fetch(`${app.baseUrl}/sign-in`, { headers: from });
  const nonce = /rj_signin=([^;]+)/.exec(form.headers.getSetCookie().join('\n'))?.[1];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!nonce || !csrf) throw new Error('the sign-in page has no form');
  const res = await fetch(`${app.baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...from, cookie: `rj_signin=${nonce}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  const token = /rj_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1];
  if (res.status !== 303 || !token) throw new Error(`${email} could not sign in: ${res.status}`);
  const cookie = `rj_session=${token}`;
  let at = res.headers.get('location') ?? '/';
  for (let hops = 0; hops < 5; hops++) {
    const page = await fetch(new URL(at, app.baseUrl), { redirect: 'manual', headers: { ...from, cookie } });
    const html = await page.text();
    const signOut = /<form[^>]*action="\/sign-out"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (signOut) return { cookie, csrf: signOut };
    if (page.status < 300 || page.status >= 400) break;
    at = page.headers.get('location') ?? '/';
  }
  throw new Error(`${email} signed in, but no page it led to has a sign-out form`);
}
