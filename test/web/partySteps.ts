import Database from 'better-sqlite3';
import { load, type CheerioAPI } from 'cheerio';
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { LinkPurpose } from '../../src/store/store.js';
import { caseClient, consentBoth, lowRisk, prepareBoth } from '../api/apiSteps.js';
import { openCase, type Staff, type TestApp } from '../support/harness.js';

/**
 * Steps for the party pages' tests (not a test file itself): cases brought to
 * the point where a party has a link, the link's token as the email carries
 * it, and a client that sends forms back the way a browser does.
 */

/** The token in the link of `purpose` that the case's latest `template` notice to `to` carries. */
export async function linkToken(app: TestApp, caseId: string, template: string, purpose: LinkPurpose, to = 'victim'): Promise<string> {
  const notice = (await app.services.store.notices(caseId)).filter((n) => n.template === template && n.recipient === to).at(-1);
  if (!notice) throw new Error(`no ${template} notice to ${to}`);
  const link = (await app.services.store.linksForNotice(notice.id)).find((l) => l.purpose === purpose);
  if (!link) throw new Error(`the ${template} notice has no ${purpose} link`);
  return app.services.linkTokens.tokenFor(link.id);
}

/** A new case whose victim has just been emailed an invitation; returns the case id and the invitation's token. */
export async function invitedCase(app: TestApp, staff: Staff): Promise<{ caseId: string; token: string }> {
  const caseId = await openCase(app, staff);
  await caseClient(app, caseId).ok(staff.facilitator.token, { type: 'INVITE_VICTIM' });
  return { caseId, token: await linkToken(app, caseId, 'victim_invitation', 'invitation') };
}

/** A case brought through an indirect exchange to follow-up, where both parties are asked for feedback. */
export async function caseAskingForFeedback(app: TestApp, staff: Staff): Promise<string> {
  const c = caseClient(app, await openCase(app, staff));
  const f = staff.facilitator.token;
  await consentBoth(c, f);
  await lowRisk(c, f);
  await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'shuttle' });
  await prepareBoth(c, f);
  await c.ok(f, { type: 'START_INDIRECT_EXCHANGE' });
  await c.ok(f, { type: 'RECORD_INDIRECT_EXCHANGE', summary: 'Passed on the questions and the answers.' });
  await c.ok(f, { type: 'COMPLETE_INDIRECT' });
  return c.id;
}

export interface Page {
  status: number;
  html: string;
  headers: Headers;
  $: CheerioAPI;
}

/** A client for the party pages: plain HTTP, no cookies, forms sent back with every field they hold. */
export function partyClient(app: Pick<TestApp, 'baseUrl'>) {
  async function fetchPage(path: string, init: RequestInit = {}): Promise<Page> {
    const res = await fetch(app.baseUrl + path, { redirect: 'manual', ...init });
    const html = await res.text();
    return { status: res.status, html, headers: res.headers, $: load(html) };
  }

  /** The form's fields as a browser would send them (hidden ones included), with `fields` filled in over them. */
  function formData($: CheerioAPI, form: string, fields: Record<string, string>): URLSearchParams {
    const data = new URLSearchParams();
    $(`${form} input[type=hidden]`).each((_, el) => void data.append($(el).attr('name')!, $(el).attr('value') ?? ''));
    for (const [name, value] of Object.entries(fields)) data.set(name, value);
    return data;
  }

  /** Submits the page's form (the first whose action starts with `/respond`). */
  async function submit(page: Page, fields: Record<string, string> = {}): Promise<Page> {
    const form = 'form[action^="/respond"]';
    const action = page.$(form).attr('action');
    if (!action) throw new Error(`no form on the page: ${page.$('h1').text()}`);
    return post(action, formData(page.$, form, fields));
  }

  const post = (path: string, body: URLSearchParams | string, headers: Record<string, string> = {}) =>
    fetchPage(path, { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

  /** Opens the link and presses Continue: the page for the link's purpose. */
  async function open(token: string): Promise<Page> {
    const start = await fetchPage(`/respond/${token}`);
    expect(start.status, start.$('h1').text()).toBe(200);
    const page = await submit(start);
    expect(page.status, page.$('h1').text()).toBe(200);
    return page;
  }

  return { get: fetchPage, post, submit, open, formData };
}

export const heading = (page: Page) => page.$('h1').text().trim();

/** A page as it is whichever response carried it: without its script nonce, which is new each time. */
export const withoutNonce = (html: string) => html.replace(/ nonce="[A-Za-z0-9+/=]+"/g, '');

/**
 * Where a refused credential is written down: the audit of failed access and the back-off it earns.
 * It is the one thing a request that changes nothing else may write.
 */
export const accessAuditTables = ['access_failures', 'throttles', 'security_alerts'];

/** A digest of every row of every table but the access audit's: equal digests mean nothing else was written. */
export function databaseDigest(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((t) => !accessAuditTables.includes(t));
    const hash = createHash('sha256');
    for (const table of tables) {
      const rows = (db.prepare(`SELECT * FROM "${table}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
      hash.update(`${table}\n${rows.join('\n')}\n`);
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}
