import type { Config } from '../config.js';
import { openDatabase } from './database.js';
import type { MailQueues } from './mailQueue.js';
import { createPostgresStore } from './postgresStore.js';
import { createSqliteAccountOutbox } from './sqlite/accountOutbox.js';
import { createSqliteOutboxStore } from './sqlite/outbox.js';
import { createSqliteStore } from './sqliteStore.js';
import type { BackupStore, Store } from './store.js';

/** The store the settings choose, with the outbox's queues over the same database. */
export interface OpenedStore {
  store: Store;
  mailQueues: MailQueues;
  /** A checked copy of the database: SQLite only, as PostgreSQL is backed up by its own tools. */
  backup: BackupStore['backup'] | undefined;
  /** Where the data is, for the start-up line and logs: never a password. */
  where: string;
}

/** PostgreSQL when DATABASE_URL is set (migrated first), otherwise the SQLite file at DATABASE_PATH. */
export async function openStore(config: Pick<Config, 'databasePath' | 'databaseUrl' | 'claimLeaseMs'>): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const store = await createPostgresStore(config.databaseUrl, { claimLeaseMs: config.claimLeaseMs });
    const url = new URL(config.databaseUrl);
    return { store, mailQueues: store.mailQueues, backup: undefined, where: `PostgreSQL at ${url.host}${url.pathname}` };
  }
  const db = openDatabase(config.databasePath);
  const store = createSqliteStore(db);
  return {
    store,
    mailQueues: { notices: createSqliteOutboxStore(db), accounts: createSqliteAccountOutbox(db) },
    backup: (to) => store.backup(to),
    where: config.databasePath,
  };
}
