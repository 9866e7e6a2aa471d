import { z } from 'zod';
import { defaultDelays, isValidDuration } from './cases/timing.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(isValidDuration, 'an ISO 8601 duration such as P7D or PT12H');

const env = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('data/rj.sqlite'),
  BASE_URL: z.url().optional(),
  SMTP_URL: z.url().optional(),
  MAIL_FROM: z.string().min(3).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INVITATION_REMINDER_AFTER: duration(defaultDelays.invitationReminder),
  INVITATION_EXPIRES_AFTER: duration(defaultDelays.invitationExpiry),
  REOFFER_DEFAULT_AFTER: duration(defaultDelays.reofferDefault),
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
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
  const requireInProduction = (name: string, value: string | undefined, fallback: string) => {
    if (value) return value;
    if (production) throw new ConfigError(`${name} must be set in production`);
    return fallback;
  };
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    baseUrl: requireInProduction('BASE_URL', e.BASE_URL, `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    smtpUrl: e.SMTP_URL,
    mailFrom: requireInProduction('MAIL_FROM', e.MAIL_FROM, 'RJ Service <rj-service@localhost>'),
    logLevel: e.LOG_LEVEL,
    delays: {
      invitationReminder: e.INVITATION_REMINDER_AFTER,
      invitationExpiry: e.INVITATION_EXPIRES_AFTER,
      reofferDefault: e.REOFFER_DEFAULT_AFTER,
    },
    schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
  };
}

export type Config = ReturnType<typeof loadConfig>;
