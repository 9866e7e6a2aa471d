import { expect } from 'vitest';
import type { Staff, TestApp } from '../support/harness.js';

/**
 * Small shared steps for the API tests in this folder (not a test file itself).
 * Everything goes over real HTTP through the harness; nothing is mocked.
 */

export type Body = Record<string, unknown>;

export interface HistoryEvent {
  seq: number;
  type: string;
  actor: { kind: string; id?: string; role: string };
  at: string;
  from: string | null;
  to: string;
  data: Record<string, unknown>;
}

export interface Notice {
  id: string;
  seq: number;
  template: string;
  to: string;
  status: string;
  attempts: number;
  sentAt?: string;
}

export interface History {
  events: HistoryEvent[];
  notices: Notice[];
}

/** A client bound to one case: send events, read the case and its history. */
export function caseClient(app: Pick<TestApp, 'request'>, id: string) {
  const send = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    app.request('POST', `/api/cases/${id}/events`, { ...(token ? { token } : {}), body, headers });

  /** Sends an event that must be accepted; returns the `{case}` view. */
  const ok = async (token: string, body: Body, headers: Record<string, string> = {}) => {
    const r = await send(token, body, headers);
    expect(r.status, `${String(body.type)} should be accepted: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body.case;
  };

  /** Sends an event that must be refused with `status`; returns the response body. */
  const refused = async (token: string, body: Body, status: number) => {
    const r = await send(token, body);
    expect(r.status, `${String(body.type)} should get ${status}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body;
  };

  const get = async (token: string) => {
    const r = await app.request('GET', `/api/cases/${id}`, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.case;
  };

  const history = async (token: string): Promise<History> => {
    const r = await app.request('GET', `/api/cases/${id}/history`, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as History;
  };

  return { id, send, ok, refused, get, history };
}
export type CaseClient = ReturnType<typeof caseClient>;

/** Creates a case as the supervisor (still in referral, not yet allocated). */
export async function createCase(app: TestApp, staff: Staff, referral: Body): Promise<CaseClient> {
  const created = await app.request('POST', '/api/cases', { token: staff.supervisor.token, body: referral });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return caseClient(app, created.body.case.id as string);
}

export const types = (h: History) => h.events.map((e) => e.type);

/** The victim's consent track in a `{case}` view, while the case is in consent. */
export const victimTrack = (c: { state: unknown }) => (c.state as any)?.open?.consent?.victim as string | undefined;

/** Consent from both parties: the case moves to risk assessment. */
export async function consentBoth(c: CaseClient, token: string) {
  await c.ok(token, { type: 'INVITE_VICTIM' });
  await c.ok(token, { type: 'VICTIM_RESPONDED', response: 'yes' });
  const after = await c.ok(token, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
  expect(after.stage).toBe('riskAssessment');
  return after;
}

/** A low-risk assessment that allows direct contact: the case moves to preparation. */
export async function lowRisk(c: CaseClient, token: string) {
  const after = await c.ok(token, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: 'no concerns' }, directContactAllowed: true });
  expect(after.stage).toBe('preparation');
  return after;
}

/** A high risk assessed, revised once the police had no further concerns, then assessed low: the case moves to preparation. */
export async function riskRevisedToLow(c: CaseClient, token: string) {
  await c.ok(token, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'high', factors: { safety: 'threats made' }, directContactAllowed: false });
  await c.ok(token, { type: 'REVISE_RISK', reason: 'The police have no further concerns.' });
  return lowRisk(c, token);
}

export async function prepareBoth(c: CaseClient, token: string) {
  await c.ok(token, { type: 'RECORD_PREPARATION', party: 'victim', note: 'met at home' });
  return c.ok(token, { type: 'RECORD_PREPARATION', party: 'offender', note: 'met at probation' });
}

const serverPath = process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True if the text looks like a leaked error: stack frames, source positions, server paths, driver errors. */
export function looksLikeStackTrace(text: string): boolean {
  return (
    /\bat\s+(?:[^\s"]+\s+)?\(?(?:\/|[A-Za-z]:\\|file:|node:)/.test(text) ||
    /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/.test(text) ||
    /node_modules|SqliteError|SQLITE_/.test(text) ||
    new RegExp(serverPath).test(text)
  );
}
