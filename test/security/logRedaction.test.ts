import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseClient } from '../api/apiSteps.js';
import { startSmtpSink, type SmtpSink } from '../mail/support/smtpSink.js';
import { startAppProcess, seedStaff, type AppProcess } from '../support/appProcess.js';
import { httpClient, tempDir } from '../support/harness.js';
import { partyClient } from '../web/partySteps.js';
import { staffBrowser } from '../web/staffBrowser.js';

/**
 * Logs carry no personal data and no secret. The app runs as `npm start` runs it, in
 * production mode at the most verbose log level, and takes a whole case from referral to
 * closure with a unique sentinel in every personal field and every secret, through the
 * API, the party pages and the staff pages, with refusals, bad input, a bounced email
 * and a wrong password on the way. Then no sentinel may appear in its stdout or stderr,
 * or in any page or answer that refused something.
 */

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 50));
};

/** The code an authenticator app shows now for a base32 secret. */
const totpCode = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();

const mark = (what: string) => `Snt${what}${randomBytes(4).toString('hex')}`;
const sentinel = {
  referrerName: mark('RefName'), referrerEmail: `${mark('refmail')}@police.example`,
  description: mark('Description'), crimeReference: mark('Crime'),
  victimName: mark('VictimName'), victimEmail: `${mark('vicmail')}@example.org`, victimPhone: '01234 987654',
  offenderName: mark('OffenderName'), offenderEmail: `${mark('offmail')}@example.net`, offenderPhone: '07700 912345',
  accessNeeds: mark('Access'), safeContact: mark('Safe'), note: mark('Note'), factor: mark('Factor'), mitigations: mark('Mitigation'),
  venue: mark('Venue'), action: mark('Action'), supporterName: mark('Supporter'), supporterEmail: `${mark('supmail')}@example.com`,
  feedback: mark('Feedback'), withdrawReason: mark('Withdraw'),
  totpKey: mark('TotpKey').padEnd(40, 'x'),
  password: mark('Password'), wrongPassword: mark('WrongPassword'), linkSecret: mark('LinkSecret').padEnd(40, 'x'),
  smtpPassword: mark('SmtpPass'), badToken: mark('BadToken'), cookie: mark('Cookie'), pathJunk: mark('Path'),
};
// Phone numbers must be digits, so they are matched as they were given.
const needles = (): string[] => [...Object.values(sentinel).map((v) => v.split('@')[0]!)];

describe('logs without personal data or secrets', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'rj.sqlite');
  let sink: SmtpSink;
  let app: AppProcess;
  const refusals: string[] = [];
  /** Secrets the app made during the run: the TOTP secret, codes and recovery codes. */
  const secrets: string[] = [];
  let tokens: Record<'supervisor' | 'supervisor2' | 'facilitator', string>;
  let facilitatorId = '';
  let baseUrl = '';

  beforeAll(async () => {
    const seeded = await seedStaff(dbPath, sentinel.password);
    tokens = { supervisor: seeded.supervisor.token, supervisor2: seeded.supervisor2.token, facilitator: seeded.facilitator.token };
    facilitatorId = seeded.facilitator.id;
    sink = await startSmtpSink();
    sink.forget(sentinel.offenderEmail);
    app = await startAppProcess(dbPath, {
      NODE_ENV: 'production', LOG_LEVEL: 'trace', SMTP_URL: sink.url.replace('smtp://', `smtp://rj:${sentinel.smtpPassword}@`),
      MAIL_FROM: 'RJ <rj@rj.test>', LINK_SECRET: sentinel.linkSecret, TOTP_KEY: sentinel.totpKey, SERVICE_PHONE: '0300 000 0000', SERVICE_EMAIL: 'rj@rj.test',
      MAIL_INTERVAL_MS: '100', SCHEDULER_INTERVAL_MS: '100',
    });
    baseUrl = app.baseUrl;
  });

  afterAll(async () => {
    if (app.child.exitCode === null) app.child.kill('SIGKILL');
    await sink.close();
    tmp.remove();
  });

  /** Keeps the body of every answer that refused something, to search later. */
  const refusal = (status: number, body: unknown) => {
    if (status >= 400) refusals.push(typeof body === 'string' ? body : JSON.stringify(body));
  };

  it('a whole case with sentinels everywhere, and refusals on the way', async () => {
    const request = httpClient(baseUrl);
    const api = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
      const r = await request(method, path, { token, ...(body === undefined ? {} : { body }), headers });
      refusal(r.status, r.body);
      return r;
    };
    const created = await api('POST', '/api/cases', tokens.supervisor, {
      referrer: { agency: 'Northshire Police', name: sentinel.referrerName, email: sentinel.referrerEmail },
      offence: { type: 'burglary', date: '2026-10-01', description: sentinel.description, crimeReference: sentinel.crimeReference },
      cjsStage: 'post_sentence', initiatedBy: 'agency',
      victim: { name: sentinel.victimName, email: sentinel.victimEmail, phone: sentinel.victimPhone },
      offender: { name: sentinel.offenderName, email: sentinel.offenderEmail, phone: sentinel.offenderPhone },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const c = caseClient({ request: (m, p, o) => request(m, p, o).then((r) => (refusal(r.status, r.body), r)) }, created.body.case.id);
    const { supervisor, supervisor2, facilitator: f } = tokens;

    await c.ok(supervisor, { type: 'ACCEPT_REFERRAL', facilitatorIds: [facilitatorId] });
    await c.ok(f, { type: 'ADD_NOTE', text: sentinel.note });
    await c.ok(f, { type: 'INVITE_VICTIM' });
    // Refusals with sentinels in them: a field too long, a value in an unknown field, malformed JSON, a bad token, a path with junk
    // (an unknown field's name is echoed back to say what to remove, so the sentinel is its value).
    await c.refused(f, { type: 'ADD_NOTE', text: sentinel.note.repeat(2000) }, 422);
    await c.refused(f, { type: 'ADD_NOTE', text: 7, extra: sentinel.victimEmail }, 422);
    refusal(...(await request('POST', `/api/cases/${c.id}/events`, { token: f, rawBody: `{"type":"ADD_NOTE","text":"${sentinel.note}` }).then((r) => [r.status, r.body] as const)));
    refusal(...(await request('GET', '/api/me', { token: sentinel.badToken }).then((r) => [r.status, r.body] as const)));
    refusal(...(await request('GET', `/api/cases/${sentinel.pathJunk}?q=${sentinel.victimEmail}`, { token: f }).then((r) => [r.status, r.body] as const)));
    refusal(...(await request('GET', `/no/${sentinel.pathJunk}`, { headers: { cookie: `__Host-rj_session=${sentinel.cookie}`, 'x-request-id': sentinel.pathJunk } }).then((r) => [r.status, r.body] as const)));

    // The victim answers through the link in the email the SMTP server received.
    await until(() => sink.received.some((m) => m.envelopeTo.includes(sentinel.victimEmail)));
    const invitation = sink.received.find((m) => m.envelopeTo.includes(sentinel.victimEmail))!;
    const token = /\/respond\/([A-Za-z0-9_-]{43})/.exec(invitation.parsed.text ?? '')![1]!;
    const party = partyClient({ baseUrl });
    const answer = await party.open(token);
    const answered = await party.submit(answer, { response: 'yes', preferredProcess: 'conference', accessNeeds: sentinel.accessNeeds, safeContact: sentinel.safeContact });
    expect(answered.status).toBe(200);
    const used = await party.get(`/respond/${token}`);
    refusal(used.status, used.html);

    await c.ok(f, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
    await c.ok(f, { type: 'SUBMIT_RISK_ASSESSMENT', level: 'low', factors: { safety: sentinel.factor }, mitigations: sentinel.mitigations, directContactAllowed: true });
    await c.ok(f, { type: 'ADD_SUPPORTER', party: 'victim', name: sentinel.supporterName, email: sentinel.supporterEmail });
    await c.ok(f, { type: 'RECORD_PREPARATION', party: 'victim', note: sentinel.note });
    await c.ok(f, { type: 'RECORD_PREPARATION', party: 'offender', note: sentinel.note });
    await c.ok(f, { type: 'CHOOSE_PROCESS', process: 'conference' });
    await c.refused(f, { type: 'SCHEDULE_CONFERENCE', startsAt: '2020-01-01T10:00:00Z', venue: sentinel.venue }, 422);
    const startsAt = new Date(Date.now() + 14 * 864e5).toISOString();
    await c.ok(f, { type: 'SCHEDULE_CONFERENCE', startsAt, venue: sentinel.venue });
    const heldAt = new Date(Date.now() - 36e5).toISOString();
    const dueDate = new Date(Date.now() + 28 * 864e5).toISOString().slice(0, 10);
    await c.ok(f, { type: 'RECORD_OUTCOME', heldAt, attendees: [sentinel.victimName, sentinel.offenderName], agreement: [{ action: sentinel.action, owner: sentinel.offenderName, dueDate }] });
    await c.ok(f, { type: 'COMPLETE_AGREEMENT_ITEM', itemId: 'item-1', note: sentinel.note });

    // Staff pages: a wrong password, then a sign-in and a note through the form.
    const staff = staffBrowser({ baseUrl });
    const signInForm = await staff.get('/sign-in');
    const wrong = await staff.post('/sign-in', { ...staff.hiddenOf(signInForm, '/sign-in'), email: sentinel.victimEmail, password: sentinel.wrongPassword });
    refusal(wrong.status, wrong.html.replace(sentinel.victimEmail, ''));
    const signedIn = await staff.post('/sign-in', { ...staff.hiddenOf(signInForm, '/sign-in'), email: 'facilitator@rj.test', password: sentinel.password });
    expect(signedIn.status).toBe(303);
    const noted = await staff.fill(`/cases/${c.id}/events/ADD_NOTE`, { text: sentinel.note });
    expect(noted.status).toBe(303);
    const unknownCase = await staff.get(`/cases/${sentinel.pathJunk}`);
    refusal(unknownCase.status, unknownCase.html);

    // A supervisor must set up two-factor sign-in in production: its secret, codes and recovery codes are secrets too.
    const sup = staffBrowser({ baseUrl });
    const supForm = await sup.get('/sign-in');
    const toSetUp = await sup.post('/sign-in', { ...sup.hiddenOf(supForm, '/sign-in'), email: 'supervisor@rj.test', password: sentinel.password });
    const setUp = await sup.follow(toSetUp);
    const secret = setUp.$('.app-secret-key').text().replace(/\s/g, '');
    const code = totpCode(secret);
    const done = await sup.post('/account/two-factor', { ...sup.hiddenOf(setUp, '/account/two-factor'), code });
    expect(done.status).toBe(200);
    secrets.push(secret, code, ...done.$('.app-recovery-codes code').map((_, el) => done.$(el).text()).get());
    const again = staffBrowser({ baseUrl });
    const againForm = await again.get('/sign-in');
    await again.post('/sign-in', { ...again.hiddenOf(againForm, '/sign-in'), email: 'supervisor@rj.test', password: sentinel.password });
    const codeForm = await again.get('/sign-in/code');
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    secrets.push(wrongCode);
    refusal(...(await again.post('/sign-in/code', { ...again.hiddenOf(codeForm, '/sign-in/code'), code: wrongCode }).then((p) => [p.status, p.html] as const)));

    await c.ok(f, { type: 'REQUEST_CLOSURE', reason: 'agreement_fulfilled' });
    await c.ok(supervisor2, { type: 'APPROVE_CLOSURE' });
    expect((await c.get(supervisor)).status).toBe('closed');
    // The offender's address bounced with a 550 that names it: the failure is recorded, and logged without it.
    await until(() => app.output.includes('"status":"failed"'));
  });

  it('no sentinel in stdout, stderr, or any refusal; every log line is JSON, and request lines carry their request id', async () => {
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    const output = app.output;
    const lines = output.split('\n').filter(Boolean);
    const logLines = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; requestId?: string; route?: string });
    expect(logLines.length).toBeGreaterThan(30);
    expect(logLines.filter((l) => l.msg === 'request').every((l) => /^[0-9a-f-]{36}$/.test(l.requestId ?? ''))).toBe(true);
    expect(refusals.length).toBeGreaterThan(8);
    expect(needles().filter((n) => output.includes(n))).toEqual([]);
    // Codes are digits, so they are matched as whole numbers, not inside timestamps.
    expect(secrets.filter((x) => new RegExp(`(?<![0-9A-Z])${x}(?![0-9A-Z])`).test(output))).toEqual([]);
    expect(needles().flatMap((n) => refusals.filter((r) => r.includes(n)).map((r) => r.slice(0, 300)))).toEqual([]);
  });
});
