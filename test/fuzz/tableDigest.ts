import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { expect } from 'vitest';

/**
 * A digest of every table of the database, table by table (not a test file itself), read
 * through a connection of its own: the app answers only after its commit is durable, so
 * what a request wrote is visible here once its response has arrived. Every table the
 * schema has is read, so a table added later is covered without a change here.
 *
 * Two kinds of table grow with every refusal once failed access is audited and throttled,
 * so reading them whole after each of 10,000 requests would cost minutes:
 * - append-only logs (`appendOnly`) are summed up by their row count and highest rowid, and
 *   the rows a request added are read on their own (see `expectOnlyWrites`);
 * - keyed counters (`summarised`) by an aggregate of every column, which changes with any
 *   row added, removed or counted up.
 */

/** The audit of failed access: appended to by refusals. */
const appendOnlyTables = ['access_failures', 'account_notices'];
/** Back-off counters, one row per address or account. */
const summarisedTables = ['throttles'];

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function tableDigests(dbPath: string) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const listTables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck();
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  const rowsOf = (table: string) => prepared(`SELECT * FROM ${quoted(table)}`).all() as Record<string, unknown>[];

  function digestOf(table: string): string {
    if (appendOnlyTables.includes(table)) {
      const { n, top } = prepared(`SELECT count(*) AS n, ifnull(max(rowid), 0) AS top FROM ${quoted(table)}`).get() as { n: number; top: number };
      return `${n}:${top}`;
    }
    if (summarisedTables.includes(table)) {
      const columns = (prepared(`PRAGMA table_info(${quoted(table)})`).all() as { name: string }[]).map((c) => quoted(c.name));
      const parts = columns.flatMap((c) => [`total(${c})`, `total(length(${c}))`, `max(${c})`, `min(${c})`]);
      return JSON.stringify(prepared(`SELECT count(*), ${parts.join(', ')} FROM ${quoted(table)}`).raw().get());
    }
    const rows = rowsOf(table).map((r) => JSON.stringify(r)).sort();
    return createHash('sha256').update(rows.join('\n')).digest('hex');
  }

  /** Each table's digest (equal digests mean no row was added, changed or removed). */
  function take(): Map<string, string> {
    return new Map((listTables.all() as string[]).map((table) => [table, digestOf(table)]));
  }

  const count = (table: string): number => prepared(`SELECT count(*) FROM ${quoted(table)}`).pluck().get() as number;
  /** An append-only table's rows after the highest rowid a digest saw. */
  const rowsAfter = (table: string, digest: string | undefined) =>
    prepared(`SELECT * FROM ${quoted(table)} WHERE rowid > ? ORDER BY rowid`).all(Number((digest ?? '0:0').split(':')[1])) as Record<string, unknown>[];

  return { take, count, rows: rowsOf, rowsAfter, close: () => db.close() };
}
export type TableDigests = ReturnType<typeof tableDigests>;

/** The tables whose digest differs (a table added or dropped counts as changed). */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((t) => before.get(t) !== after.get(t)).sort();
}

/**
 * What a request may write, by table: anything (`'any'`), or only new rows of an append-only
 * table that each pass `added` (none changed or removed). A table not named may not change.
 */
export type MayWrite = Readonly<Record<string, 'any' | { added: (row: Record<string, unknown>) => boolean; what: string }>>;

/**
 * What a refused request may write once failed access is audited and throttled (these tables are
 * not written at all by the code of 2026-12-05): one audit entry of its own kind of credential,
 * appended; its back-off; and, when refusals come in a burst, the once-an-hour alert to the admins.
 */
export const failedAccessWrites = (...kinds: string[]): MayWrite => ({
  access_failures: { added: (row) => kinds.includes(String(row.kind)), what: `a failed ${kinds.join(' or ')} entry` },
  throttles: 'any',
  security_alerts: 'any',
  account_notices: { added: (row) => row.template === 'access_alert', what: 'an access alert to an admin' },
});

/**
 * Asserts that a request wrote to no table but those it may write (none, for a refused
 * request), naming the tables it did write, so a new write is a decision rather than a surprise.
 */
export function expectOnlyWrites(before: Map<string, string>, after: Map<string, string>, mayWrite: MayWrite | readonly string[], label: string, digests?: TableDigests) {
  const rules: MayWrite = Array.isArray(mayWrite) ? Object.fromEntries(mayWrite.map((t) => [t, 'any' as const])) : (mayWrite as MayWrite);
  const changed = changedTables(before, after);
  const unexpected = changed.filter((t) => !(t in rules));
  const allowed = Object.keys(rules).join(', ');
  expect(unexpected, `${label}: wrote to ${unexpected.join(', ')}${allowed ? ` (it may write only ${allowed})` : ' (it may write nothing)'}`).toEqual([]);
  for (const table of changed) {
    const rule = rules[table];
    if (!rule || rule === 'any') continue;
    if (!digests || !appendOnlyTables.includes(table)) throw new Error(`${table}: a rule on added rows needs an append-only table and the digests`);
    const [n0, top0] = (before.get(table) ?? '0:0').split(':').map(Number);
    const [n1] = (after.get(table) ?? '0:0').split(':').map(Number);
    const added = digests.rowsAfter(table, before.get(table));
    expect(n1! - n0!, `${label}: ${table} only gains rows (it had ${n0}, highest rowid ${top0})`).toBe(added.length);
    for (const row of added) expect(rule.added(row), `${label}: ${table} gained ${JSON.stringify(row)}, not ${rule.what}`).toBe(true);
  }
}
