import { describe, expect, it } from 'vitest';
import { afterFailure, classify, retryDelayMs, Undeliverable } from '../../src/mail/deliveryPolicy.js';

const hours = (n: number) => n * 60 * 60 * 1000;
const createdAt = '2026-11-23T09:00:00.000Z';

describe('classifying a failed send', () => {
  it('goes by the SMTP reply code: 5xx is permanent, 4xx is worth retrying, whatever nodemailer calls the step', () => {
    expect(classify({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 no such mailbox' })).toMatchObject({
      permanent: true,
      responseCode: 550,
    });
    expect(classify({ code: 'EMESSAGE', responseCode: 554 })).toMatchObject({ permanent: true, responseCode: 554 });
    expect(classify({ code: 'EENVELOPE', responseCode: 451, command: 'DATA' })).toMatchObject({ permanent: false, responseCode: 451 });
    expect(classify({ code: 'EPROTOCOL', responseCode: 421, command: 'CONN' })).toMatchObject({ permanent: false, responseCode: 421 });
  });

  it('retries when no reply came at all: refused, timed out, dropped', () => {
    expect(classify({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' })).toEqual({
      permanent: false,
      reason: 'Could not connect to the mail server (connection refused).',
    });
    expect(classify({ code: 'ETIMEDOUT' })).toEqual({ permanent: false, reason: 'The mail server did not answer in time.' });
    expect(classify({ code: 'ECONNECTION' })).toEqual({ permanent: false, reason: 'Sending failed (ECONNECTION).' });
  });

  it('treats a notice that can never be sent as permanent, with its own reason', () => {
    expect(classify(new Undeliverable('No active facilitator on this case.'))).toEqual({ permanent: true, reason: 'No active facilitator on this case.' });
  });

  it('says which step the server refused', () => {
    expect(classify({ responseCode: 421, command: 'CONN', response: '421 busy' }).reason).toBe('The mail server replied on connecting: 421 busy.');
    expect(classify({ responseCode: 451, command: 'DATA', response: '451 later' }).reason).toBe('The mail server replied to DATA: 451 later.');
  });

  it('keeps addresses the server quoted out of the reason', () => {
    const { reason } = classify({ responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 <vera@example.org>: no such mailbox here' });
    expect(reason).toBe('The mail server replied to RCPT TO: 550 5.1.1 <[address]>: no such mailbox here.');
    const listed = classify({ responseCode: 550, command: 'DATA', response: '550 refused: vera@example.org, oscar@example.net; (sam@example.com)' });
    expect(listed.reason).toBe('The mail server replied to DATA: 550 refused: [address], [address]; ([address]).');
  });
});

describe('backoff', () => {
  it('brings the first retry within a minute, doubles, and never waits more than an hour', () => {
    expect(retryDelayMs(1, () => 0)).toBe(15_000);
    expect(retryDelayMs(1, () => 0.999999)).toBeLessThanOrEqual(30_000);
    expect(retryDelayMs(2, () => 0)).toBe(30_000);
    expect(retryDelayMs(3, () => 1)).toBe(120_000);
    expect(retryDelayMs(30, () => 0)).toBe(hours(0.5));
    expect(retryDelayMs(30, () => 1)).toBe(hours(1));
  });

  it('spreads retries with the injected random source (equal jitter)', () => {
    const delays = [0, 0.25, 0.5, 0.75].map((r) => retryDelayMs(4, () => r));
    expect(delays).toEqual([120_000, 150_000, 180_000, 210_000]);
  });
});

describe('the next state after a failed attempt', () => {
  const transient = { code: 'ETIMEDOUT' };

  it('schedules a retry from now by the backoff', () => {
    const now = new Date(Date.parse(createdAt) + 60_000);
    expect(afterFailure(transient, 1, createdAt, now, () => 0)).toEqual({
      status: 'retrying',
      lastError: 'The mail server did not answer in time.',
      nextAttemptAt: new Date(now.getTime() + 15_000).toISOString(),
    });
  });

  it('fails at once on a permanent reply, keeping its code', () => {
    expect(afterFailure({ responseCode: 550, response: '550 no' }, 1, createdAt, new Date(createdAt), () => 0)).toEqual({
      status: 'failed',
      lastError: 'The mail server replied: 550 no.',
      responseCode: 550,
    });
  });

  it('gives up once the next attempt would come more than 48 hours after the notice was created', () => {
    const late = new Date(Date.parse(createdAt) + hours(47.9));
    expect(afterFailure(transient, 40, createdAt, late, () => 0)).toMatchObject({ status: 'failed' });
    expect(afterFailure(transient, 40, createdAt, late, () => 0).lastError).toBe(
      'The mail server did not answer in time. Gave up after 40 attempts over 48 hours.',
    );
    const earlier = new Date(Date.parse(createdAt) + hours(47));
    expect(afterFailure(transient, 40, createdAt, earlier, () => 0)).toMatchObject({ status: 'retrying' });
  });
});
