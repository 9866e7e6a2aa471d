import { afterAll, beforeAll, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { createComposer, type Compose } from '../../../src/mail/composeNotice.js';
import { createOutbox } from '../../../src/mail/outbox.js';
import { createMailTransport } from '../../../src/mail/transport.js';
import { openStore } from '../../../src/store/openStore.js';
import { caseClient, lowRisk, prepareBoth, type CaseClient } from '../../api/apiSteps.js';
import { addStaff, openCase, sampleReferral, startApp, tempDir, testClock, type Staff, type TestApp, type TestClock } from '../../support/harness.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './smtpSink.js';

export const baseUrl = 'https://rj.test.example';
export const host = 'rj.test.example';

/** The parties of every mail test case: each has a name, an address and a phone the other must never see. */
export const victim = { name: 'Vera Victim', email: 'vera@example.org', phone: '01234 567890' };
export const offender = { name: 'Oscar Offender', email: 'oscar@example.net', phone: '07700 900123' };
export const crimeReference = 'NP/2026/1234';
export const referral = () => sampleReferral({ victim, offender });

/** The real app sending to `sink` over SMTP; the timeout is short, yet generous for loopback on a busy machine. */
export function startMailApp(dbPath: string, sink: SmtpSink, clock: TestClock = testClock(), env: Record<string, string> = {}) {
  return startApp(dbPath, clock, { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '5000', BASE_URL: baseUrl, ...env });
}

/** One sink, one app on it (with `appEnv` added to its environment) and its staff per test file. */
export function withMailApp(appEnv: Record<string, string> = {}): { readonly app: TestApp; readonly staff: Staff; readonly sink: SmtpSink } {
  const tmp = tempDir();
  const env = {} as { app: TestApp; staff: Staff; sink: SmtpSink };
  beforeAll(async () => {
    env.sink = await startSmtpSink();
    env.app = await startMailApp(`${tmp.dir}/rj.sqlite`, env.sink, testClock(), appEnv);
    env.staff = await addStaff(env.app.services);
  });
  afterAll(async () => {
    await env.app.stop();
    await env.sink.close();
    tmp.remove();
  });
  return env;
}

/** A case with the test parties, allocated to the first facilitator, its allocation notice already delivered. */
export async function newCase(app: TestApp, staff: Staff): Promise<CaseClient> {
  const c = caseClient(app, await openCase(app, staff, referral()));
  await app.services.outbox.deliverDue();
  return c;
}

/** Takes a case whose victim was invited through consent, risk and preparation (with a supporter for the victim) to a scheduled conference. */
export async function scheduleConference(c: CaseClient, token: string, startsAt = '2026-12-01T10:00:00Z') {
  await c.ok(token, { type: 'VICTIM_RESPONDED', response: 'yes' });
  await c.ok(token, { type: 'RECORD_OFFENDER_RESPONSE', response: 'willing' });
  await lowRisk(c, token);
  await c.ok(token, { type: 'ADD_SUPPORTER', party: 'victim', name: 'Sam Supporter', email: 'sam@example.com' });
  await prepareBoth(c, token);
  await c.ok(token, { type: 'CHOOSE_PROCESS', process: 'conference' });
  return c.ok(token, { type: 'SCHEDULE_CONFERENCE', startsAt, venue: 'Community centre, Market Street' });
}

/**
 * A second outbox of the app's own parts over a second connection to the app's database (either store), to be
 * stopped while the app goes on; `wrapCompose` may act around the real composer. Stopping it closes its connection.
 */
export async function secondOutbox(app: TestApp, wrapCompose: (compose: Compose) => Compose = (compose) => compose) {
  const { config, store, linkTokens, clock, logger } = app.services;
  const own = await openStore(config);
  const outboxStore = own.mailQueues.notices;
  const outbox = createOutbox({
    outboxStore,
    transport: createMailTransport(config, clock),
    compose: wrapCompose(createComposer({ store, outboxStore, linkTokens, config })),
    clock,
    logger,
    intervalMs: 1000,
  });
  return {
    deliverDue: outbox.deliverDue,
    stop: async () => {
      await outbox.stop();
      await own.store.close();
    },
  };
}

export const messageIdOf = (noticeId: string) => `<notice-${noticeId}@${host}>`;

/** The one message the sink received for a notice (fails if there is not exactly one). */
export function mailFor(sink: SmtpSink, noticeId: string): ReceivedMail {
  const copies = sink.received.filter((m) => m.messageId === messageIdOf(noticeId));
  expect(copies, `copies of notice ${noticeId}`).toHaveLength(1);
  return copies[0]!;
}

/** Everything a reader of the message sees: subject, both bodies and every attachment. */
export function visibleText(mail: ReceivedMail): string {
  const { subject = '', text = '', html } = mail.parsed;
  return [subject, text, typeof html === 'string' ? html : '', ...mail.parsed.attachments.map((a) => a.content.toString('utf8'))].join('\n');
}

export const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The outbox's promise, over every notice in the database: each is sent exactly once (one copy
 * at the sink) or has failed with nothing received; none is left waiting, none is lost. A notice
 * whose server went silent mid-reply (in `mayRepeat`) may have arrived twice, with the same Message-ID.
 */
export async function expectSentOnceOrFailed(app: TestApp, sink: SmtpSink, caseIds: string[], mayRepeat: string[] = []) {
  const copies = sink.copies();
  for (const id of caseIds) {
    for (const n of await app.services.store.notices(id)) {
      const received = copies.get(messageIdOf(n.id)) ?? 0;
      if (n.status === 'sent') {
        if (mayRepeat.includes(n.id)) expect(received, `${n.template} to ${n.recipient}`).toBeOneOf([1, 2]);
        else expect(received, `${n.template} to ${n.recipient}`).toBe(1);
      } else {
        expect([n.status, received], `${n.template} to ${n.recipient}`).toEqual(['failed', 0]);
      }
    }
  }
}
