import { pino } from 'pino';

/**
 * Logs carry events, statuses and ids, never personal data, tokens or bodies:
 * request logging records only method, route and status.
 */
export function createLogger(level: string) {
  return pino({ level, redact: { paths: ['req.headers.authorization', '*.password', '*.token', '*.email'], censor: '[redacted]' } });
}

export type Logger = ReturnType<typeof createLogger>;
