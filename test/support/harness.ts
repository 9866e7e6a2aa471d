import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specialisms } from '../../machines/case/context.v2.js';
import { createApp } from '../../src/app.js';
import { listen } from '../../src/httpServer.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ScryptCost } from '../../src/auth/passwords.js';
import { createServices, type Services } from '../../src/services.js';
import { freshPgDatabase, sharedSecrets } from './pgDatabase.js';

/** A clock tests move by hand: deadlines fire without sleeping. */
export function testClock(start = '2026-11-23T09:00:00Z') {
  let now = Date.parse(start);
  const clock = () => new Date(now);
  clock.advance = (ms: number) => void (now += ms);
  clock.set = (iso: string) => void (now = Date.parse(iso));
  return clock;
}
export type TestClock = ReturnType<typeof testClock>;

export const days = (n: number) => n * 24 * 60 * 60 * 1000;

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rj-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

export interface TestApp {
  baseUrl: string;
  services: Services;
  clock: TestClock;
  dbPath: string;
  /** Stops the server and closes the database; the file stays for a restart. */
  stop: () => Promise<void>;
  request: (method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }) => Promise<{ status: number; body: any; headers: Headers }>;
}

/**
 * What every test app runs with unless a test says otherwise. Every test client is 127.0.0.1, so the
 * address back-off is out of the way; two-factor sign-in likewise, outside production (its own tests turn it on).
 */
export const testDefaults = (env: Record<string, string>): Record<string, string> => ({
  NODE_ENV: 'test',
  BACKOFF_AFTER_ADDRESS_FAILURES: '1000000',
  ...(env.NODE_ENV === 'production' ? {} : { REQUIRE_2FA_FOR: 'none' }),
});

/** JSON requests to an app at `baseUrl`, in this process or another. */
export function httpClient(baseUrl: string): TestApp['request'] {
  return async (method, path, { token, body, rawBody, headers = {} } = {}) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Non-JSON bodies are returned as text for the assertion to inspect.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

/**
 * The scrypt cost of the passwords tests set: 2^10 instead of the service's 2^17, about 2 ms a hash instead of
 * 0.7 s. A stored hash carries its own parameters, so the app checks these exactly as it checks its own.
 */
export const testPasswordCost: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };

/** PostgreSQL databases standing in for SQLite files in the `postgres` project, by path: an app restarted on a path finds its data. */
const pgDatabases = new Map<string, Promise<string>>();

/**
 * The store a suite's apps run on: the SQLite file at `dbPath`, or, in the vitest project that runs the
 * API, mail and durability suites again on PostgreSQL (vitest.config.ts), a fresh database for that path.
 */
function storeSettings(dbPath: string, env: Record<string, string>): Promise<Record<string, string>> | Record<string, string> {
  if (process.env.RJ_TEST_STORE !== 'postgres' || env.DATABASE_URL) return {};
  if (!pgDatabases.has(dbPath)) pgDatabases.set(dbPath, freshPgDatabase().then((db) => db.url));
  return pgDatabases.get(dbPath)!.then((url) => ({ DATABASE_URL: url, ...sharedSecrets }));
}

/** The real app on an ephemeral loopback port, over a temp-file database (or its PostgreSQL stand-in). */
export async function startApp(dbPath: string, clock: TestClock = testClock(), env: Record<string, string> = {}, logger = createLogger('silent')): Promise<TestApp> {
  const config = loadConfig({ ...testDefaults(env), DATABASE_PATH: dbPath, LOG_LEVEL: 'silent', ...(await storeSettings(dbPath, env)), ...env });
  const services = await createServices(config, { clock, logger, passwordCost: testPasswordCost });
  const server = listen(createApp(services), 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    services,
    clock,
    dbPath,
    stop: async () => {
      await services.scheduler.stop();
      await services.retention.stop();
      await services.outbox.stop();
      await services.accountOutbox.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await services.store.close();
    },
    request: httpClient(baseUrl),
  };
}

/**
 * Two supervisors and two facilitators, so separation-of-duties rules can be exercised.
 * Facilitator 1 is trained for every sensitive offence type, facilitator 2 for none.
 */
export async function addStaff(services: Services) {
  const make = async (role: 'supervisor' | 'facilitator' | 'admin', n: number): Promise<TestUser> => {
    const email = `${role}${n}@test.rj.local`;
    const trainedFor = role === 'facilitator' && n === 1 ? specialisms : [];
    const added = await services.users.addUser({ email, name: `${role} ${n}`, role, trainedFor, password: 'correct horse battery staple' });
    if (!added.ok) throw new Error(JSON.stringify(added.issues));
    // Tests move the clock by months (a re-offer is 90 days away), so fixture tokens outlive the default expiry.
    return { id: added.user.id, email, token: await services.users.createToken(added.user.id, { label: 'test', expiresAfter: 'P10Y' }) };
  };
  const [supervisor, supervisor2, facilitator, facilitator2, admin] = await Promise.all([
    make('supervisor', 1),
    make('supervisor', 2),
    make('facilitator', 1),
    make('facilitator', 2),
    make('admin', 1),
  ]);
  return { supervisor: supervisor!, supervisor2: supervisor2!, facilitator: facilitator!, facilitator2: facilitator2!, admin: admin! };
}
export type Staff = Awaited<ReturnType<typeof addStaff>>;

export function sampleReferral(overrides: Record<string, unknown> = {}) {
  return {
    referrer: { agency: 'Northshire Police', name: 'PC Dana Jones', email: 'dana.jones@police.example' },
    offence: { type: 'burglary', date: '2026-10-01', description: 'Burglary of a dwelling', crimeReference: 'NP/2026/1234' },
    cjsStage: 'post_sentence',
    initiatedBy: 'agency',
    victim: { name: 'Vera Victim', email: 'vera@example.org', phone: '01234 567890' },
    offender: { name: 'Oscar Offender', email: 'oscar@example.net' },
    flags: {},
    ...overrides,
  };
}

/** Creates a case and allocates it to the given facilitator; returns its id. */
export async function openCase(app: TestApp, staff: Staff, referral = sampleReferral()): Promise<string> {
  const created = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: referral });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const id = created.body.case.id as string;
  const accepted = await app.request('POST', `/api/cases/${id}/events`, {
    token: staff.supervisor.token,
    body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] },
  });
  if (accepted.status !== 200) throw new Error(`accept failed: ${JSON.stringify(accepted.body)}`);
  return id;
}

/** One app and its staff per test file: started before the tests, stopped and deleted after. */
export function withApp(): { readonly app: TestApp; readonly staff: Staff } {
  const tmp = tempDir();
  const env = {} as { app: TestApp; staff: Staff };
  beforeAll(async () => {
    env.app = await startApp(`${tmp.dir}/rj.sqlite`);
    env.staff = await addStaff(env.app.services);
  });
  afterAll(async () => {
    await env.app.stop();
    tmp.remove();
  });
  return env;
}
