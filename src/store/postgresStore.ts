import { pgAccessGuard } from './postgres/accessGuard.js';
import { pgAudit } from './postgres/audit.js';
import { pgCases } from './postgres/cases.js';
import { pgCaseload } from './postgres/caseload.js';
import { openPool } from './postgres/database.js';
import { pgHealth } from './postgres/health.js';
import { pgLinks } from './postgres/links.js';
import { createPgAccountOutbox, createPgOutboxStore } from './postgres/outbox.js';
import { pgOversight } from './postgres/oversight.js';
import { pgPrivacy } from './postgres/privacy.js';
import { pgReports } from './postgres/reports.js';
import { pgRetention } from './postgres/retention.js';
import { pgSessions } from './postgres/sessions.js';
import { pgUsers } from './postgres/users.js';
import { createPgWriteQueue } from './postgres/writeQueue.js';
import type { MailQueues } from './mailQueue.js';
import type { AccessGuardStore, AuditStore, CaseloadStore, CaseStore, HealthStore, LinkStore, OversightStore, PrivacyStore, ReportsStore, RetentionStore, SessionStore, UserStore } from './store.js';

/**
 * The areas of the store built on PostgreSQL so far (ADR 0011). It grows into the whole Store, area by
 * area, each held to the same contract suite as SQLite's (test/store/contract/). Backups are the
 * database's own (pg_dump, continuous archiving), so `backup` is not among them.
 */
export type PostgresStore = UserStore & AccessGuardStore & SessionStore & CaseStore & CaseloadStore & OversightStore & ReportsStore & LinkStore & Omit<AuditStore, 'backup'> & RetentionStore & PrivacyStore & HealthStore & {
  /** The outbox's queues, claimed through this instance's pool and write queue. */
  mailQueues: MailQueues;
  /** Waits for the writes in flight, then closes the pool. */
  close(): Promise<void>;
};

/** The store on the database at `url`, migrated first: one per app instance, each with its own pool and write queue. */
export async function createPostgresStore(url: string): Promise<PostgresStore> {
  const pool = await openPool(url);
  const writes = createPgWriteQueue(pool);
  return {
    ...pgUsers(pool, writes),
    ...pgAccessGuard(pool, writes),
    ...pgSessions(pool, writes),
    ...pgCases(pool, writes),
    ...pgCaseload(pool),
    ...pgOversight(pool, writes),
    ...pgLinks(pool, writes),
    ...pgAudit(pool, writes),
    ...pgReports(pool),
    ...pgRetention(writes),
    ...pgPrivacy(pool, writes),
    ...pgHealth(pool, writes),
    mailQueues: { notices: createPgOutboxStore(pool, writes), accounts: createPgAccountOutbox(pool, writes) },
    close: async () => {
      await writes.drain();
      await pool.end();
    },
  };
}
