import { existsSync } from 'node:fs';
import { openDatabase, type Db } from './database.js';
import { takeInstanceLock } from './instanceLock.js';
import { createPostgresStore } from './postgresStore.js';
import { openPool, type Client } from './postgres/database.js';
import { createSqliteStore } from './sqliteStore.js';
import type { ChainCheck } from './store.js';

/** Why a move was not made: nothing was written to the target. */
export class MigrationRefused extends Error {}

/**
 * Tables the target fills itself: its migration record, the chain head (set from the last row copied),
 * the report cohort (kept by its trigger as the cases go in), the readiness probe and request counts.
 */
const notCopied = new Set(['schema_migrations', 'chain_head', 'case_report_cohort', 'readiness_probe', 'rate_limits']);

/** Rows sent in one INSERT: few enough to stay well under PostgreSQL's 65,535 parameters for any table here. */
const rowsPerInsert = 500;

export interface MigrationReport {
  tables: { table: string; rows: number }[];
  before: ChainCheck;
  after: ChainCheck;
}

/**
 * Copies a SQLite database (the app stopped: its instance lock is taken) into an empty PostgreSQL one, every
 * table in the order its references need and the history in seq order, in one transaction, so a failure leaves
 * the target as empty as it was. The chain is verified on both sides: rows move byte for byte, so the same
 * hashes verify.
 */
export async function migrateStore(fromPath: string, toUrl: string): Promise<MigrationReport> {
  if (!existsSync(fromPath)) throw new MigrationRefused(`there is no SQLite database at ${fromPath}`);
  const lock = takeInstanceLock(fromPath, 'move to PostgreSQL');
  const db = openDatabase(fromPath);
  const source = createSqliteStore(db);
  try {
    const before = await source.verifyChain();
    if (!before.ok) throw new MigrationRefused(`the SQLite history chain is broken at event ${before.firstBadSeq}: nothing was copied; see \`npm run cli -- audit verify\``);
    const pool = await openPool(toUrl);
    const client = await pool.connect();
    let tables: MigrationReport['tables'];
    try {
      const held = (await client.query<{ n: number }>('SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM cases) + (SELECT count(*) FROM history) AS n')).rows[0]!.n;
      if (held > 0) throw new MigrationRefused('the PostgreSQL database already holds data: a move needs an empty one, so nothing there is mixed or overwritten');
      await client.query('BEGIN');
      try {
        tables = await copyTables(db, client);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    } finally {
      client.release();
      await pool.end();
    }
    const target = await createPostgresStore(toUrl);
    try {
      const after = await target.verifyChain();
      if (!after.ok || after.events !== before.events) throw new Error(`the copied chain does not verify (${JSON.stringify(after)}); the target needs emptying before another try`);
      return { tables, before, after };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
    lock.release();
  }
}

/** Every table of the target's schema, in the order its migration made them (referenced tables first), with the columns both have. */
async function copyTables(db: Db, client: Client): Promise<MigrationReport['tables']> {
  const columns = (
    await client.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN pg_class t ON t.relname = c.table_name AND t.relnamespace = 'public'::regnamespace
       WHERE c.table_schema = 'public' AND t.relkind = 'r' ORDER BY t.oid, c.ordinal_position`,
    )
  ).rows;
  const copied: MigrationReport['tables'] = [];
  for (const table of [...new Set(columns.map((c) => c.table_name))].filter((t) => !notCopied.has(t))) {
    const theirs = new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]);
    // A case's number is SQLite's rowid: its reference was made from it.
    const wanted = columns.filter((c) => c.table_name === table && (theirs.has(c.column_name) || (table === 'cases' && c.column_name === 'number'))).map((c) => c.column_name);
    const select = wanted.map((c) => (table === 'cases' && c === 'number' ? 'rowid AS number' : `"${c}"`)).join(', ');
    // In the order they were written (a table without rowids, by its key): the history in seq order.
    const key = db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk').pluck().all(table) as string[];
    const withoutRowid = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string).includes('WITHOUT ROWID');
    const order = table === 'history' ? 'seq' : withoutRowid ? key.map((k) => `"${k}"`).join(', ') : 'rowid';
    const rows = db.prepare(`SELECT ${select} FROM "${table}" ORDER BY ${order}`).raw().iterate() as IterableIterator<unknown[]>;
    let batch: unknown[][] = [];
    let count = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const values = batch.map((row, r) => `(${row.map((_, i) => `$${r * wanted.length + i + 1}`).join(', ')})`).join(', ');
      await client.query(`INSERT INTO "${table}" (${wanted.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`, batch.flat());
      count += batch.length;
      batch = [];
    };
    for (const row of rows) {
      batch.push(row);
      if (batch.length === rowsPerInsert) await flush();
    }
    await flush();
    copied.push({ table, rows: count });
  }
  const last = db.prepare('SELECT seq, hash FROM history ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  if (last) await client.query('UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
  // Serial columns carry on after the rows copied.
  const serials = (
    await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'",
    )
  ).rows;
  for (const s of serials) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max("${s.column_name}") FROM "${s.table_name}"), 0) + 1, false)`, [s.table_name, s.column_name]);
  }
  return copied;
}
