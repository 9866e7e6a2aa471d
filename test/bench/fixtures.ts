import { specialisms } from '../../machines/case/context.v2.js';
import type { Outcome } from '../../src/cases/outcomes.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashToken } from '../../src/auth/users.js';
import type { Clock } from '../../src/cases/caseEngine.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services.js';
import type { Role } from '../../src/store/store.js';
import { sampleReferral } from '../support/harness.js';
import type { Sender } from './workload.js';

/** The real services over a file database, silent, with the scheduler left stopped. */
export function benchServices(databasePath: string, clock?: Clock): Promise<Services> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' });
  return createServices(config, { ...(clock ? { clock } : {}), logger: createLogger('silent') });
}

export interface BenchUser {
  id: string;
  role: Role;
  token: string;
}
export type BenchStaff = Record<Sender, BenchUser>;

/** A user with an API token, written straight to the store: scrypt hashing would only slow the set-up. */
export async function addBenchUser(services: Services, role: Role, id: string = randomUUID()): Promise<BenchUser> {
  const at = services.clock().toISOString();
  await services.store.addUser({ id, email: `${role}-${id}@bench.rj.local`, name: `Bench ${role}`, role, passwordHash: 'unused', trainedFor: role === 'facilitator' ? [...specialisms] : [], createdAt: at, disabledAt: null });
  const token = `rj_${randomBytes(32).toString('base64url')}`;
  await services.store.addApiToken({ id: randomUUID(), userId: id, tokenHash: hashToken(token), label: 'bench', createdAt: at, expiresAt: '2099-01-01T00:00:00.000Z' });
  return { id, role, token };
}

export async function addBenchStaff(services: Services): Promise<BenchStaff> {
  return { supervisor: await addBenchUser(services, 'supervisor'), facilitator: await addBenchUser(services, 'facilitator') };
}

export const callerFor = (user: BenchUser) => ({ kind: 'user' as const, id: user.id, role: user.role });

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** The value of an outcome the set-up needs to succeed; anything else stops the bench, saying what failed. */
export function accepted<T>(what: string, outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`${what} failed: ${JSON.stringify(outcome)}`);
  return outcome.value;
}

/** Creates `count` referrals and allocates each to the facilitator (the cases wait in consent); returns their ids. */
export async function openCases(services: Services, staff: BenchStaff, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  await inParallel(count, 32, async (i) => {
    const { id } = accepted('create', await services.engine.createCase(sampleReferral(), callerFor(staff.supervisor)));
    accepted(
      'accept',
      await services.engine.submit({ caseId: id, body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] }, caller: callerFor(staff.supervisor) }),
    );
    ids[i] = id;
  });
  return ids;
}
