import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { ChainRowV2 } from '../../../src/store/historyChain.js';
import { openDatabase } from '../../../src/store/database.js';
import { createPostgresStore, type PostgresStore } from '../../../src/store/postgresStore.js';
import type { MailQueues } from '../../../src/store/mailQueue.js';
import { createSqliteAccountOutbox } from '../../../src/store/sqlite/accountOutbox.js';
import { createSqliteOutboxStore } from '../../../src/store/sqlite/outbox.js';
import { createSqliteStore } from '../../../src/store/sqliteStore.js';
import type { Store } from '../../../src/store/store.js';
import { freshPgDatabase } from '../../support/pgDatabase.js';
import { tempDir } from '../../support/harness.js';
import { failWrites, type WriteFailure } from '../../support/rawDatabase.js';

/**
 * The store contract suite's two stores (not a test file itself). Every suite in this folder runs once
 * against each, through `forEachStore`, so no behaviour can hold for one store only.
 */
export const storeKinds = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof storeKinds)[number];

/** The store contract as a suite uses it: the suite's set-up closes it. */
export type ContractStore = Omit<Store, 'close'>;

export interface StoreUnderTest {
  kind: StoreKind;
  /** The store a suite works with. */
  store: ContractStore;
  /**
   * The stores of `n` app instances on the one database: on PostgreSQL, each with its own pool and write
   * queue; on SQLite, which allows one process per file (src/store/instanceLock.ts), the one store n times.
   */
  instances(n: number): Promise<ContractStore[]>;
  /** The mail queues of the instance whose store this is. */
  mailQueues(store: ContractStore): MailQueues;
  /** The history rows as stored, in seq order, read past the store: what `audit verify` reads. */
  chainRows(): Promise<ChainRowStored[]>;
  /** Runs portable SQL straight on the database with its triggers off, as someone with the file or a superuser could: tampering. */
  tamper(sql: string): Promise<void>;
  /** Makes the database break matching writes until the returned `lift` (see `WriteFailure`). */
  failWrites(failure: WriteFailure): Promise<() => Promise<void>>;
}

/** A history row's stored columns, in the order the chain rule hashes them, then its links. */
export type ChainRowStored = [...ChainRowV2, prevHash: string, hash: string];
const chainColumns = 'seq, case_id, type, actor, at, from_state, to_state, data, content_hash, prev_hash, hash';

async function open(kind: StoreKind): Promise<StoreUnderTest & { close: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const tmp = tempDir();
    const path = `${tmp.dir}/rj.sqlite`;
    const db = openDatabase(path);
    const store = createSqliteStore(db);
    const mail = { notices: createSqliteOutboxStore(db), accounts: createSqliteAccountOutbox(db) };
    return {
      kind,
      store,
      instances: async (n) => Array.from({ length: n }, () => store),
      mailQueues: () => mail,
      chainRows: async () => {
        const raw = new Database(path, { readonly: true });
        try {
          return raw.prepare(`SELECT ${chainColumns} FROM history ORDER BY seq`).raw().all() as ChainRowStored[];
        } finally {
          raw.close();
        }
      },
      tamper: async (sql) => {
        const raw = new Database(path);
        try {
          const triggers = raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('history', 'history_content')").all() as { name: string; sql: string }[];
          raw.transaction(() => {
            for (const t of triggers) raw.exec(`DROP TRIGGER ${t.name}`);
            raw.exec(sql);
            for (const t of triggers) raw.exec(t.sql);
          })();
        } finally {
          raw.close();
        }
      },
      failWrites: (failure) => failWrites({ path }, failure),
      close: async () => {
        store.close();
        tmp.remove();
      },
    };
  }
  const db = await freshPgDatabase();
  const opened: PostgresStore[] = [await createPostgresStore(db.url)];
  return {
    kind,
    store: opened[0]!,
    instances: async (n) => {
      const more = await Promise.all(Array.from({ length: n - 1 }, () => createPostgresStore(db.url)));
      opened.push(...more);
      return [opened[0]!, ...more];
    },
    mailQueues: (store) => opened.find((s) => s === store)!.mailQueues,
    chainRows: async () => {
      const raw = new pg.Client({ connectionString: db.url, types: { getTypeParser: ((oid: number) => (oid === 20 ? Number : (v: string) => v)) as never } });
      await raw.connect();
      try {
        return (await raw.query({ text: `SELECT ${chainColumns} FROM history ORDER BY seq`, rowMode: 'array' })).rows as ChainRowStored[];
      } finally {
        await raw.end();
      }
    },
    tamper: async (sql) => {
      const raw = new pg.Client({ connectionString: db.url });
      await raw.connect();
      try {
        // As the superuser the tests connect as: replica mode skips ordinary triggers.
        await raw.query(`BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT`);
      } finally {
        await raw.end();
      }
    },
    failWrites: (failure) => failWrites({ path: '', url: db.url }, failure),
    close: async () => {
      for (const s of opened) await s.close();
      await db.drop();
    },
  };
}

/** Runs the suite once per store, each over a fresh database of its own. */
export function forEachStore(name: string, suite: (env: StoreUnderTest) => void) {
  describe.each(storeKinds)(`${name} (%s)`, (kind) => {
    let opened: Awaited<ReturnType<typeof open>> | undefined;
    const env: StoreUnderTest = {
      kind,
      get store() {
        return opened!.store;
      },
      instances: (n) => opened!.instances(n),
      mailQueues: (store) => opened!.mailQueues(store),
      chainRows: () => opened!.chainRows(),
      tamper: (sql) => opened!.tamper(sql),
      failWrites: (failure) => opened!.failWrites(failure),
    };
    beforeAll(async () => {
      opened = await open(kind);
    });
    afterAll(async () => {
      await opened?.close();
    });
    suite(env);
  });
}
