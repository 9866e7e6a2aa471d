import type Database from 'better-sqlite3';
import type { Db } from '../database.js';

/** Prepares a statement built from parts (filters, id lists) once per distinct text. */
export type Prepared = (sql: string) => Database.Statement;

export function preparedCache(db: Db): Prepared {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
}
