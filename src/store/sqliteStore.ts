import type { Db } from './database.js';
import { sqliteAccessGuard } from './sqlite/accessGuard.js';
import { sqliteAudit } from './sqlite/audit.js';
import { sqliteCaseload } from './sqlite/caseload.js';
import { sqliteCases } from './sqlite/cases.js';
import { sqliteHealth } from './sqlite/health.js';
import { sqliteLinks } from './sqlite/links.js';
import { sqliteOversight } from './sqlite/oversight.js';
import { sqliteRateLimits } from './sqlite/rateLimits.js';
import { sqliteReports } from './sqlite/reports.js';
import { preparedCache } from './sqlite/prepared.js';
import { sqlitePrivacy } from './sqlite/privacy.js';
import { sqliteRetention } from './sqlite/retention.js';
import { sqliteSessions } from './sqlite/sessions.js';
import { sqliteUsers } from './sqlite/users.js';
import type { BackupStore, Store } from './store.js';
import { writeQueueFor } from './writeQueue.js';

/**
 * The store over an open database (see openDatabase), one module per area in
 * ./sqlite, all writing through the connection's one write queue so their writes
 * share group commits. Closing the store closes the database.
 */
export function createSqliteStore(db: Db): Store & BackupStore {
  const writes = writeQueueFor(db);
  const prepared = preparedCache(db);
  return {
    ...sqliteUsers(db, writes, prepared),
    ...sqliteAccessGuard(db, writes),
    ...sqliteSessions(db, writes),
    ...sqliteCases(db, writes, prepared),
    ...sqliteCaseload(db, prepared),
    ...sqliteOversight(db, writes),
    ...sqliteReports(db),
    ...sqliteLinks(db, writes),
    ...sqliteAudit(db, writes),
    ...sqliteRetention(db, writes),
    ...sqlitePrivacy(db, writes),
    ...sqliteRateLimits(),
    ...sqliteHealth(db, writes),
    close: async () => {
      writes.flush();
      db.close();
    },
  };
}
