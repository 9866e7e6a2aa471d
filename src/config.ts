import { dirname, join } from 'node:path';
import { z } from 'zod';
import { addDuration, defaultDelays, isValidDuration } from './cases/timing.js';
import { defaultRetention } from './privacy/retentionPolicy.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(isValidDuration, 'an ISO 8601 duration such as P7D or PT12H');

const roles = ['facilitator', 'supervisor', 'admin'];

const env = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  DATABASE_PATH: z.string().min(1).default('data/rj.sqlite'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// URL, such as postgres://rj@db.internal:5432/rj')
    .optional(),
  BASE_URL: z.url().optional(),
  SMTP_URL: z.url().optional(),
  MAIL_FROM: z.string().min(3).optional(),
  LINK_SECRET: z.string().min(32, 'use at least 32 random characters').optional(),
  SERVICE_NAME: z.string().min(1).default('Northshire Restorative Justice Service'),
  SERVICE_PHONE: z.string().min(5).optional(),
  SERVICE_EMAIL: z.email().optional(),
  MAIL_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INVITATION_REMINDER_AFTER: duration(defaultDelays.invitationReminder),
  INVITATION_EXPIRES_AFTER: duration(defaultDelays.invitationExpiry),
  REOFFER_DEFAULT_AFTER: duration(defaultDelays.reofferDefault),
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  MAIL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
  STALLED_AFTER: duration('P14D'),
  CLAIM_LEASE: duration('PT5M'),
  MIGRATE_CASES_AT_START: z.enum(['true', 'false'], { error: 'true or false' }).default('true'),
  REQUIRE_2FA_FOR: z
    .string()
    .default('supervisor,admin')
    .refine((v) => v === 'none' || v.split(',').every((r) => roles.includes(r.trim())), `none, or a comma-separated list of ${roles.join(', ')}`),
  TOTP_KEY: z.string().min(32, 'use at least 32 random characters').optional(),
  API_TOKEN_EXPIRES_AFTER: duration('P90D'),
  BACKOFF_AFTER_ACCOUNT_FAILURES: z.coerce.number().int().min(1).default(5),
  BACKOFF_AFTER_ADDRESS_FAILURES: z.coerce.number().int().min(1).default(20),
  RETENTION_AFTER_CLOSURE: duration(defaultRetention.afterClosure),
  RETENTION_DECLINED: duration(defaultRetention.declined),
});

export class ConfigError extends Error {}

/** Settings from the environment. Production must name its own URL and sender; elsewhere there are safe local defaults. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env) {
  const parsed = env.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const missing = (name: string): never => {
    throw new ConfigError(`${name} must be set in production`);
  };
  const requireInProduction = (name: string, value: string | undefined, fallback: string) =>
    value ?? (production ? missing(name) : fallback);
  // Every instance on one PostgreSQL database must derive the same link tokens and read the same TOTP secrets.
  if (e.DATABASE_URL) for (const name of ['LINK_SECRET', 'TOTP_KEY'] as const) if (!e[name]) throw new ConfigError(`${name} must be set with DATABASE_URL: every app instance must share it`);
  if (production && e.REQUIRE_2FA_FOR === 'none') throw new ConfigError('REQUIRE_2FA_FOR cannot be none in production');
  // In production supervisors and admins always need it; the setting can add facilitators.
  const twoFactorRoles = new Set(e.REQUIRE_2FA_FOR === 'none' ? [] : e.REQUIRE_2FA_FOR.split(',').map((r) => r.trim()));
  if (production) for (const role of ['supervisor', 'admin']) twoFactorRoles.add(role);
  return {
    production,
    /** A developer's own machine: plain HTTP, so no HSTS. */
    development: e.NODE_ENV === 'development',
    port: e.PORT,
    host: e.HOST,
    /** Reverse proxies in front of the app whose X-Forwarded-For names the client: the rate limit counts by that address. */
    trustProxyHops: e.TRUST_PROXY,
    /** The SQLite file, the embedded default; it also places captured mail and local secrets. */
    databasePath: e.DATABASE_PATH,
    /** A PostgreSQL database shared by any number of app instances, in place of the SQLite file (ADR 0011). */
    databaseUrl: e.DATABASE_URL,
    /** On PostgreSQL, how long a timer or notice one instance claimed stays its own: if it dies, another takes them after this. */
    claimLeaseMs: Date.parse(addDuration('2000-01-01T00:00:00Z', e.CLAIM_LEASE)) - Date.parse('2000-01-01T00:00:00Z'),
    baseUrl: requireInProduction('BASE_URL', e.BASE_URL, `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    // Production must send mail; only elsewhere is it captured as files.
    smtpUrl: e.SMTP_URL ?? (production ? missing('SMTP_URL') : undefined),
    mailFrom: requireInProduction('MAIL_FROM', e.MAIL_FROM, 'RJ Service <rj-service@localhost>'),
    /** Without SMTP_URL, mail is captured as files here and listed at /dev/mail. */
    mailDir: e.MAIL_DIR ?? join(dirname(e.DATABASE_PATH), 'mail'),
    /** Derives party link tokens; outside production a random one is kept beside the database. */
    linkSecret: e.LINK_SECRET ?? (production ? missing('LINK_SECRET') : undefined),
    /** Who parties and staff are told to contact: on every email and on every party page. */
    service: {
      name: e.SERVICE_NAME,
      phone: requireInProduction('SERVICE_PHONE', e.SERVICE_PHONE, '0300 123 4567'),
      email: requireInProduction('SERVICE_EMAIL', e.SERVICE_EMAIL, 'rj-service@localhost'),
    },
    logLevel: e.LOG_LEVEL,
    delays: {
      invitationReminder: e.INVITATION_REMINDER_AFTER,
      invitationExpiry: e.INVITATION_EXPIRES_AFTER,
      reofferDefault: e.REOFFER_DEFAULT_AFTER,
    },
    schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
    /** How often the outbox looks for notices due to be sent. */
    mailIntervalMs: e.MAIL_INTERVAL_MS,
    /** How long to wait for the SMTP server to connect, greet, or answer a command before the attempt counts as failed. */
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
    /** An open case with no activity for this long is listed as stalled on the supervisors' dashboard. */
    stalledAfter: e.STALLED_AFTER,
    /** Move cases in flight to the current machine version when the app starts (otherwise: `npm run cli -- cases migrate`). */
    migrateCasesAtStart: e.MIGRATE_CASES_AT_START === 'true',
    /** The roles that must sign in with a second step (a code from an authenticator app). */
    twoFactorRoles: [...twoFactorRoles],
    /** Encrypts the TOTP secrets; outside production a random one is kept beside the database. */
    totpKey: e.TOTP_KEY ?? (production ? missing('TOTP_KEY') : undefined),
    apiTokenExpiresAfter: e.API_TOKEN_EXPIRES_AFTER,
    /** Failed attempts allowed before the back-off starts: for one account, and from one address. */
    backoffAfter: { account: e.BACKOFF_AFTER_ACCOUNT_FAILURES, address: e.BACKOFF_AFTER_ADDRESS_FAILURES },
    /** How long a closed case keeps its personal content: after closure, and for a declined or ineligible referral. */
    retentionPolicy: { afterClosure: e.RETENTION_AFTER_CLOSURE, declined: e.RETENTION_DECLINED },
  };
}

export type Config = ReturnType<typeof loadConfig>;
