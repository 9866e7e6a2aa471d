import { createStaffSessions } from './auth/staffSessions.js';
import type { ScryptCost } from './auth/passwords.js';
import { createUserService } from './auth/users.js';
import { createCaseEngine, type Clock } from './cases/caseEngine.js';
import { createCaseMigration } from './cases/caseMigration.js';
import { createScheduler } from './cases/scheduler.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createLinkTokens } from './links/linkTokens.js';
import { localSecret } from './localSecrets.js';
import { createAccessGuard } from './auth/accessGuard.js';
import { createTotp } from './auth/totp.js';
import { createAccountComposer } from './mail/composeAccountNotice.js';
import { createComposer } from './mail/composeNotice.js';
import { createOutbox } from './mail/outbox.js';
import { createMailTransport } from './mail/transport.js';
import { createPrivacyService } from './privacy/privacyService.js';
import { createRetention } from './retention.js';
import { openStore } from './store/openStore.js';

/**
 * Plain factory wiring: every service gets what it needs, nothing more. Tests swap the clock, and may lower
 * the scrypt cost of the passwords they set: that option is not read from the environment, so no deployment can.
 */
export async function createServices(config: Config, options: { clock?: Clock; logger?: Logger; passwordCost?: ScryptCost } = {}) {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger(config.logLevel);
  const { store, mailQueues, backup, where } = await openStore(config);
  const linkTokens = createLinkTokens(config.linkSecret ?? localSecret(config.databasePath, 'link-secret'));
  const totp = createTotp(config.totpKey ?? localSecret(config.databasePath, 'totp-key'), config.service.name);
  const engine = createCaseEngine({ store, clock, delays: config.delays, linkHash: linkTokens.hashFor, retentionPolicy: config.retentionPolicy });
  const users = createUserService({
    store, clock, totp, linkTokens, tokenExpiresAfter: config.apiTokenExpiresAfter, logger, ...(options.passwordCost ? { passwordCost: options.passwordCost } : {}),
  });
  const accessGuard = createAccessGuard({ store, clock, logger, freePerAccount: config.backoffAfter.account, freePerAddress: config.backoffAfter.address });
  const migration = createCaseMigration({ store, clock, logger });
  const staffSessions = createStaffSessions({ store, clock });
  const scheduler = createScheduler({ store, engine, clock, logger, intervalMs: config.schedulerIntervalMs });
  const retention = createRetention({ store, clock, logger });
  // Mail is captured as files only without SMTP, and only there is there any to delete.
  const privacy = createPrivacyService({ store, clock, logger, policy: config.retentionPolicy, ...(config.smtpUrl ? {} : { mailDir: config.mailDir }) });
  const outboxStore = mailQueues.notices;
  // The outbox owns the transport: its stop() waits for the sends in flight, then closes the connections.
  const outbox = createOutbox({
    outboxStore,
    transport: createMailTransport(config, clock),
    compose: createComposer({ store, outboxStore, linkTokens, config }),
    clock,
    logger,
    intervalMs: config.mailIntervalMs,
  });
  // Emails about accounts go out by the same rules, from their own queue over their own connections.
  const accountOutbox = createOutbox({
    outboxStore: mailQueues.accounts,
    transport: createMailTransport(config, clock),
    compose: createAccountComposer({ store, linkTokens, config }),
    clock,
    logger,
    intervalMs: config.mailIntervalMs,
  });
  return { config, clock, logger, store, backup, where, linkTokens, totp, engine, users, accessGuard, staffSessions, migration, scheduler, retention, privacy, outbox, accountOutbox };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
