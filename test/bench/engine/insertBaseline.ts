import { openDatabase } from '../../../src/store/database.js';

/**
 * The floor the engine is compared with: one IMMEDIATE transaction per
 * single-row insert, on the same disk with the product's pragmas (WAL,
 * synchronous=FULL), so each insert pays one durable commit and nothing else.
 */
export function insertBaseline(path: string) {
  const db = openDatabase(path, { migrate: false });
  db.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (payload) VALUES (?)');
  // About the size of one history row.
  const payload = JSON.stringify({ type: 'ADD_NOTE', text: 'x'.repeat(240) });
  const insertOne = db.transaction(() => insert.run(payload));
  return {
    run(count: number) {
      for (let i = 0; i < count; i++) insertOne.immediate();
    },
    close: () => db.close(),
  };
}
