import { pgAccessGuard } from './postgres/accessGuard.js';
import { pgAudit } from './postgres/audit.js';
import { pgCases } from './postgres/cases.js';
import { pgCaseload } from './postgres/caseload.js';
import { defaultClaimLeaseMs, leaseOf } from './postgres/claims.js';
import { openPool } from './postgres/database.js';
import { pgHealth } from './postgres/health.js';
import { pgLinks } from './postgres/links.js';
import { createPgAccountOutbox, createPgOutboxStore } from './postgres/outbox.js';
import { pgOversight } from './postgres/oversight.js';
import { pgPrivacy } from './postgres/privacy.js';
import { pgRateLimits } from './postgres/rateLimits.js';
import { pgReports } from './postgres/reports.js';
import { pgRetention } from './postgres/retention.js';
import { pgSessions } from './postgres/sessions.js';
import { pgUsers } from './postgres/users.js';
import { createPgWriteQueue } from './postgres/writeQueue.js';
import type { MailQueues } from './mailQueue.js';
import type { Store } from './store.js';

/** The store on PostgreSQL (ADR 0011), with the outbox's queues, which claim through its pool and write queue. */
export type PostgresStore = Store & { mailQueues: MailQueues };

/**
 * The store on the database at `url`, migrated first: one per app instance, each with its own pool and write
 * queue. Timers and notices it claims are its own for `claimLeaseMs` (src/store/postgres/claims.ts).
 */
export async function createPostgresStore(url: string, options: { claimLeaseMs?: number } = {}): Promise<PostgresStore> {
  const pool = await openPool(url);
  const writes = createPgWriteQueue(pool);
  const lease = leaseOf(options.claimLeaseMs ?? defaultClaimLeaseMs);
  return {
    ...pgUsers(pool, writes),
    ...pgAccessGuard(pool, writes),
    ...pgSessions(pool, writes),
    ...pgCases(pool, writes, lease),
    ...pgCaseload(pool),
    ...pgOversight(pool, writes),
    ...pgLinks(pool, writes),
    ...pgAudit(pool, writes),
    ...pgReports(pool),
    ...pgRetention(writes),
    ...pgPrivacy(pool, writes),
    ...pgRateLimits(pool),
    ...pgHealth(pool, writes),
    mailQueues: { notices: createPgOutboxStore(pool, writes, lease), accounts: createPgAccountOutbox(pool, writes, lease) },
    close: async () => {
      await writes.drain();
      await pool.end();
    },
  };
}
