import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { caseClient, type CaseClient } from '../api/apiSteps.js';
import { sampleReferral, type Staff, type TestApp } from '../support/harness.js';
import { linkToken, partyClient } from '../web/partySteps.js';

/**
 * Steps for the retention and anonymisation tests (not a test file itself): cases
 * whose every personal field holds a sentinel of its own, brought to closure in the
 * ways a case closes, and a search of the database file, its log and the captured
 * mail for those sentinels. Everything goes through the real app over HTTP.
 */

const day = 24 * 60 * 60 * 1000;

/** The sentinels planted in one case: each personal field gets a string found nowhere else. */
export interface Planted {
  tag: string;
  all: string[];
  text: (field: string) => string;
  email: (field: string) => string;
  phone: () => string;
}

/**
 * Sentinels for the case tagged `tag` (letters, all of one length across a test, so that no
 * sentinel is part of another); `code` is three digits of its own for its phone numbers.
 */
export function plant(tag: string, code: string): Planted {
  const all: string[] = [];
  const keep = (v: string) => (all.push(v), v);
  let phones = 0;
  return {
    tag,
    all,
    text: (field) => keep(`Sntl${tag}${field}`),
    email: (field) => keep(`sntl.${tag.toLowerCase()}.${field.toLowerCase()}@example.org`),
    // Digits only, as the referral's phone field takes: "01632 417 05" is as unique as the letters.
    phone: () => keep(`01632 ${code} ${String(phones++).padStart(2, '0')}${code}`),
  };
}

/** A referral whose every name, contact detail and free text is a sentinel (the agency is an organisation, kept for the reports). */
export function plantedReferral(p: Planted) {
  return sampleReferral({
    referrer: { agency: 'Northshire Police', name: p.text('ReferrerName'), email: p.email('Referrer') },
    offence: { type: 'burglary', date: '2026-10-01', description: p.text('OffenceDescription'), crimeReference: p.text('CrimeRef') },
    victim: { name: p.text('VictimName'), email: p.email('Victim'), phone: p.phone() },
    offender: { name: p.text('OffenderName'), email: p.email('Offender'), phone: p.phone() },
  });
}

export interface CaseSteps {
  app: TestApp;
  staff: Staff;
}

async function created(env: CaseSteps, p: Planted, idempotencyKey?: string): Promise<CaseClient> {
  const res = await env.app.request('POST', '/api/cases', {
    token: env.staff.supervisor.token,
    body: plantedReferral(p),
    ...(idempotencyKey ? { headers: { 'Idempotency-Key': idempotencyKey } } : {}),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return caseClient(env.app, res.body.case.id as string);
}

async function accepted(env: CaseSteps, p: Planted): Promise<CaseClient> {
  const c = await created(env, p);
  await c.ok(env.staff.supervisor.token, { type: 'ACCEPT_REFERRAL', facilitatorIds: [env.staff.facilitator.id] });
  return c;
}

/** Consent from both parties, with the victim's access needs, safe contact and notes, and a low risk with factors and mitigations. */
async function consentedAndAssessed(env: CaseSteps, c: CaseClient, p: Planted) {
  const f = env.staff.facilitator.token;
  await c.ok(f, { type: 'INVITE_VICTIM' });
  await c.ok(f, {
    type: 'VICTIM_RESPONDED',
    response: 'yes',
    preferredProcess: 'conference',
    accessNeeds: p.text('AccessNeeds'),
    safeContact: p.text('SafeContact'),
    note: p.text('VictimAnswerNote'),
  });
  await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing', note: p.text('OffenderAnswerNote') });
  // An Idempotency-Key keeps a copy of the case's snapshot (with the access needs) for a day.
  await c.ok(
    f,
    { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: p.text('RiskFactor') }, mitigations: p.text('Mitigations'), directContactAllowed: true },
    { 'Idempotency-Key': `risk-${p.tag}` },
  );
  await c.ok(f, { type: 'ADD_SUPPORTER', party: 'victim', name: p.text('VictimSupporterName'), email: p.email('VictimSupporter') });
  await c.ok(f, { type: 'ADD_SUPPORTER', party: 'offender', name: p.text('OffenderSupporterName'), email: p.email('OffenderSupporter') });
  await c.ok(f, { type: 'RECORD_PREPARATION', party: 'victim', note: p.text('VictimPreparation') });
  await c.ok(f, { type: 'RECORD_PREPARATION', party: 'offender', note: p.text('OffenderPreparation') });
  await c.ok(f, { type: 'PAUSE', reason: p.text('PauseReason') });
  await c.ok(f, { type: 'RESUME' });
}

/** The feedback link of the case's latest feedback request to `party`, answered with a rating and a sentinel comment. */
async function feedbackThroughLink(env: CaseSteps, c: CaseClient, p: Planted, party: 'victim' | 'offender') {
  const token = await linkToken(env.app, c.id, 'feedback_request', 'feedback', party);
  const client = partyClient(env.app);
  const done = await client.submit(await client.open(token), { rating: '4', comment: p.text(`${party}FeedbackComment`) });
  expect(done.status, done.$('h1').text()).toBe(200);
}

/**
 * A direct conference with an agreement, every personal field a sentinel; the agreement
 * completed and closure asked for. With `close`, a supervisor signs it off (agreement_fulfilled).
 */
export async function directCase(env: CaseSteps, p: Planted, { close = true } = {}): Promise<CaseClient> {
  const c = await accepted(env, p);
  const [f, s] = [env.staff.facilitator.token, env.staff.supervisor.token];
  const now = env.app.clock().getTime();
  await consentedAndAssessed(env, c, p);
  await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
  await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt: new Date(now + 14 * day).toISOString(), venue: p.text('Venue') });
  await c.ok(f, { type: 'RESCHEDULE_CONFERENCE', startsAt: new Date(now + 10 * day).toISOString(), venue: p.text('NewVenue'), reason: p.text('RescheduleReason') });
  await c.ok(f, {
    type: 'RECORD_OUTCOME',
    heldAt: new Date(now).toISOString(),
    attendees: [p.text('AttendeeName'), 'victim', 'offender'],
    agreement: [{ action: p.text('AgreementAction'), owner: p.text('AgreementOwner'), dueDate: new Date(now + 20 * day).toISOString().slice(0, 10) }],
    note: p.text('OutcomeNote'),
  });
  await feedbackThroughLink(env, c, p, 'victim');
  await c.ok(f, { type: 'ADD_NOTE', text: p.text('CaseNote') });
  await c.ok(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1', note: p.text('ItemNote') });
  await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled', note: p.text('ClosureNote') });
  if (close) expect(await c.ok(s, { type: 'APPROVE_CLOSURE', note: p.text('ApprovalNote') })).toMatchObject({ status: 'closed', closureReason: 'agreement_fulfilled' });
  return c;
}

/** An indirect exchange (shuttle) with its summary, both parties' feedback through their links, closed as completed_indirect. */
export async function indirectCase(env: CaseSteps, p: Planted): Promise<CaseClient> {
  const c = await accepted(env, p);
  const [f, s] = [env.staff.facilitator.token, env.staff.supervisor.token];
  await consentedAndAssessed(env, c, p);
  await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
  await c.ok(f, { type: 'START_INDIRECT_EXCHANGE', note: p.text('ExchangeStartNote') });
  await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: p.text('ExchangeSummary') });
  await c.ok(f, { type: 'COMPLETE_INDIRECT', note: p.text('ExchangeDoneNote') });
  await feedbackThroughLink(env, c, p, 'victim');
  await feedbackThroughLink(env, c, p, 'offender');
  await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'completed_indirect', note: p.text('ClosureNote') });
  expect(await c.ok(s, { type: 'APPROVE_CLOSURE' })).toMatchObject({ status: 'closed', closureReason: 'completed_indirect' });
  return c;
}

/** The victim withdraws after consenting (with a reason), and the closure is signed off: victim_withdrew. */
export async function withdrawnCase(env: CaseSteps, p: Planted): Promise<CaseClient> {
  const c = await accepted(env, p);
  await consentedAndAssessed(env, c, p);
  await c.ok(env.staff.facilitator.token, { type: 'WITHDRAW', party: 'victim', reason: p.text('WithdrawalReason') });
  expect(await c.ok(env.staff.supervisor.token, { type: 'APPROVE_CLOSURE' })).toMatchObject({ status: 'closed', closureReason: 'victim_withdrew' });
  return c;
}

/** The victim says no when invited, and the closure is signed off: victim_declined. */
export async function victimDeclinedCase(env: CaseSteps, p: Planted): Promise<CaseClient> {
  const c = await accepted(env, p);
  await c.ok(env.staff.facilitator.token, { type: 'INVITE_VICTIM' });
  await c.ok(env.staff.facilitator.token, { type: 'VICTIM_RESPONDED', response: 'no', note: p.text('DeclinedNote') });
  expect(await c.ok(env.staff.supervisor.token, { type: 'APPROVE_CLOSURE', note: p.text('ApprovalNote') })).toMatchObject({ status: 'closed', closureReason: 'victim_declined' });
  return c;
}

/** A case whose victim was emailed an invitation before the referral was found not eligible: closed as ineligible_referral, kept for the declined period. */
export async function victimInvitedThenIneligible(env: CaseSteps, p: Planted): Promise<CaseClient> {
  const c = await accepted(env, p);
  await c.ok(env.staff.facilitator.token, { type: 'INVITE_VICTIM' });
  await c.ok(env.staff.facilitator.token, { type: 'REQUEST_CLOSURE', reason: 'ineligible_referral', note: p.text('ClosureNote') });
  expect(await c.ok(env.staff.supervisor.token, { type: 'APPROVE_CLOSURE' })).toMatchObject({ status: 'closed', closureReason: 'ineligible_referral' });
  return c;
}

/** A referral the service declines at screening (for a reason that is not "ineligible"): closed at once, kept for the declined period. */
export async function declinedReferral(env: CaseSteps, p: Planted): Promise<CaseClient> {
  const c = await created(env, p, `referral-${p.tag}`);
  const declined = await c.ok(env.staff.supervisor.token, { type: 'DECLINE_REFERRAL', reason: 'unsuitable', note: p.text('DeclineNote') });
  expect(declined).toMatchObject({ status: 'closed', closureReason: 'unsuitable' });
  return c;
}

/** The database file and its log as bytes, lowercased as Latin-1: a sentinel in any ASCII case is found by its lowercase. */
export function databaseText(dbPath: string): { db: string; wal: string } {
  const read = (path: string) => (existsSync(path) ? readFileSync(path).toString('latin1').toLowerCase() : '');
  return { db: read(dbPath), wal: read(`${dbPath}-wal`) };
}

/** Every captured mail file's text, lowercased. */
export function mailText(dir: string): string {
  return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').toLowerCase()).join('\n') : '';
}

/** The sentinels found in `text` (matched in lowercase; with JSON's escapes too, should a writer have escaped one). */
export const foundIn = (text: string, sentinels: string[]) => sentinels.filter((s) => text.includes(s.toLowerCase()) || text.includes(JSON.stringify(s).slice(1, -1).toLowerCase()));

/** One row of the cases table, read with a connection of the test's own. */
export function caseRow(dbPath: string, id: string): { closed_at: string | null; retain_until: string | null; anonymised_at: string | null } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT closed_at, retain_until, anonymised_at FROM cases WHERE id = ?').get(id) as never;
  } finally {
    db.close();
  }
}

/** Runs SQL on the app's database from a connection of the test's own: to make a case look as an older release left it. */
export function runSql(dbPath: string, sql: string, ...params: unknown[]) {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/**
 * Writes the log back into the database file from a connection of the test's own, so that what was
 * written is in the file itself before a sweep: erasing it then has to overwrite it there.
 */
export function checkpoint(dbPath: string) {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    expect(result, 'the checkpoint ran').toMatchObject({ busy: 0 });
  } finally {
    db.close();
  }
}

export const addDays = (iso: string, n: number) => new Date(Date.parse(iso) + n * day).toISOString();
