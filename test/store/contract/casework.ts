import { randomUUID } from 'node:crypto';
import { createCaseEngine } from '../../../src/cases/caseEngine.js';
import { loadConfig } from '../../../src/config.js';
import { createLinkTokens } from '../../../src/links/linkTokens.js';
import { sampleReferral, testClock, testDefaults } from '../../support/harness.js';
import type { ContractStore } from './stores.js';

/**
 * Real casework for the contract suites (not a test file itself): the engine over a store under test.
 * The store is what is tested; the engine only gives it the commits the app would.
 */
export const config = loadConfig({ ...testDefaults({}), DATABASE_PATH: ':memory:', BASE_URL: 'https://rj.test.example' });
const { delays } = config;
/** The link secret the suites' engines and composers share, so an emailed link answers its case. */
export const linkTokens = createLinkTokens('contract-suite-link-secret');

export const engineOver = (store: ContractStore, clock = testClock()) => createCaseEngine({ store, clock, delays, linkHash: linkTokens.hashFor });

export type StaffCaller = { kind: 'user'; id: string; role: 'supervisor' | 'facilitator' };

/** A supervisor and a facilitator, added to the store. */
export async function addCaseStaff(store: ContractStore, names: { supervisor?: string; facilitator?: string } = {}) {
  const supervisor: StaffCaller = { kind: 'user', id: randomUUID(), role: 'supervisor' };
  const facilitator: StaffCaller = { kind: 'user', id: randomUUID(), role: 'facilitator' };
  for (const [u, name] of [[supervisor, names.supervisor ?? 'supervisor'], [facilitator, names.facilitator ?? 'facilitator']] as const)
    await store.addUser({ id: u.id, email: `${u.id}@rj.test`, name, role: u.role, passwordHash: 'x', trainedFor: [], createdAt: '2026-11-01T00:00:00.000Z', disabledAt: null });
  return { supervisor, facilitator };
}

/** A new case, accepted and allocated to the facilitator: its id, the engine that made it, and its version. */
export async function openCase(store: ContractStore, staff: { supervisor: StaffCaller; facilitator: StaffCaller }, engine = engineOver(store)) {
  const created = await engine.createCase(sampleReferral(), staff.supervisor);
  if (created.kind !== 'ok') throw new Error(JSON.stringify(created));
  const id = created.value.id;
  const accepted = await engine.submit({ caseId: id, caller: staff.supervisor, body: { type: 'ACCEPT_REFERRAL', facilitatorIds: [staff.facilitator.id] } });
  if (accepted.kind !== 'ok') throw new Error(JSON.stringify(accepted));
  return { id, engine, version: accepted.value.case.version };
}
