/**
 * What to do after a failed send: retry later or give up. Pure: the caller
 * passes the time and the random source.
 */

/** A notice that can never be sent as it stands (no address, nobody to send to, a template that cannot render). */
export class Undeliverable extends Error {}

/** The parts of a nodemailer error that matter here. */
export interface SendError {
  name?: string;
  message?: string;
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

export interface Failure {
  permanent: boolean;
  responseCode?: number;
  /** For the notice's last_error: says what happened, never an address. */
  reason: string;
}

const baseDelayMs = 30_000;
const maxDelayMs = 60 * 60_000;
/** After this long from the notice's creation, a notice that still has not gone is given up. */
const giveUpAfterMs = 48 * 60 * 60_000;

/** Email addresses out of a server's reply, both when it is stored and when it is shown to staff. */
export const withoutAddresses = (text: string) => text.replace(/[^\s<>()"',;:@]+@[^\s<>()"',;:]+/g, '[address]');

/**
 * Classifies by the SMTP reply code (nodemailer's `code` says which step failed, not whether to retry):
 * a 5xx reply is permanent; a 4xx reply, or no reply at all (refused, timed out, dropped), is transient.
 */
export function classify(err: unknown): Failure {
  if (err instanceof Undeliverable) return { permanent: true, reason: err.message };
  const e = (typeof err === 'object' && err !== null ? err : {}) as SendError;
  if (typeof e.responseCode === 'number') {
    const reply = e.response ? withoutAddresses(e.response).slice(0, 200) : String(e.responseCode);
    // nodemailer names the greeting CONN; every other step by its SMTP command.
    const when = e.command === 'CONN' ? ' on connecting' : e.command ? ` to ${e.command}` : '';
    return { permanent: e.responseCode >= 500, responseCode: e.responseCode, reason: `The mail server replied${when}: ${reply}.` };
  }
  const code = e.originalCode ?? e.code;
  if (code === 'ECONNREFUSED') return { permanent: false, reason: 'Could not connect to the mail server (connection refused).' };
  if (code === 'ETIMEDOUT') return { permanent: false, reason: 'The mail server did not answer in time.' };
  return { permanent: false, reason: `Sending failed (${code ?? e.name ?? 'unknown error'}).` };
}

/** Exponential backoff with equal jitter: the first retry comes 15–30 s later, none waits more than an hour. */
export function retryDelayMs(attempts: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type FailedAttempt =
  | { status: 'retrying'; lastError: string; nextAttemptAt: string; responseCode?: number }
  | { status: 'failed'; lastError: string; responseCode?: number };

/** The notice's next state after a failed attempt; `attempts` counts this one. */
export function afterFailure(err: unknown, attempts: number, createdAt: string, now: Date, random: () => number): FailedAttempt {
  const { permanent, responseCode, reason } = classify(err);
  const code = responseCode !== undefined ? { responseCode } : {};
  if (permanent) return { status: 'failed', lastError: reason, ...code };
  const next = now.getTime() + retryDelayMs(attempts, random);
  if (next > Date.parse(createdAt) + giveUpAfterMs) {
    return { status: 'failed', lastError: `${reason} Gave up after ${attempts} attempts over 48 hours.`, ...code };
  }
  return { status: 'retrying', lastError: reason, nextAttemptAt: new Date(next).toISOString(), ...code };
}
