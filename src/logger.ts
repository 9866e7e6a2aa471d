import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream } from 'pino';

/** The request a log line belongs to, wherever in the code it is written. */
const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` as part of the request `requestId`: every line logged meanwhile carries it. */
export const withRequestId = <T>(requestId: string, fn: () => T): T => requestContext.run({ requestId }, fn);

/**
 * Keys whose values never reach a log, at any depth pino's redaction reaches: secrets
 * (passwords, tokens, cookies, TOTP secrets and codes) and the parties' details.
 * This is the second line: the code logs ids, statuses and counts, never bodies, URLs
 * with tokens in them, or records.
 */
const sensitiveKeys = ['password', 'token', 'tokenHash', 'cookie', 'authorization', 'secret', 'totpSecret', 'totpCode', 'recoveryCode', 'name', 'email', 'phone', 'address', 'note', 'text', 'body', 'headers', 'url'];
const redactPaths = sensitiveKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Structured JSON logs: one object a line, with the request id of the request it belongs to. */
export function createLogger(level: string, destination?: DestinationStream) {
  const options = {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    mixin: () => requestContext.getStore() ?? {},
  };
  return destination ? pino(options, destination) : pino(options);
}

export type Logger = ReturnType<typeof createLogger>;
