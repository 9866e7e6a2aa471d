import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, pgMigrationFiles, type Pool } from '../../src/store/postgres/database.js';
import { freshPgDatabase } from '../support/pgDatabase.js';

/**
 * The PostgreSQL migrations' canary, as test/store/migrationCanary.test.ts is SQLite's: a released
 * migration must never change. Record a new file's SHA-256 (`sha256sum src/store/postgres/migrations/<name>`)
 * when it is added, and the schema hash it leads to; never edit a recorded one.
 */
const releasedMigrations: Record<string, string> = {
  '20261210_0900_initial.sql': '4435c815bf8b4ed7836990fe1b34932d2bef43b27d0feb24c31a8fd1ccf72a52',
  '20261212_0900_unlogged_rate_limits.sql': '8882831c6e0b0a49d8f16300a98c63151ad0a581d02b54196760fe29c3dcfd0d',
};

/** SHA-256 of the schema the migrations build: tables (logged or not), columns, constraints, indexes, views, triggers and functions, sorted. */
const recordedSchemaHash = 'cb290c40a2cdbc6f8568696ca0e676e950fbb2fac614a1416e2f284ef09bc722';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every definition in the public schema, as the server itself prints it. */
const schemaSql = `
  SELECT 'table ' || relname || ' ' || relpersistence::text AS d FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
  UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
    FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
  UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'function ' || proname || ' ' || prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  ORDER BY 1`;

describe('released PostgreSQL migrations', () => {
  const files = pgMigrationFiles();
  let db: Awaited<ReturnType<typeof freshPgDatabase>>;
  let pool: Pool;
  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = await openPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it.each(Object.keys(releasedMigrations))('%s is unchanged', (name) => {
    const file = files.find((f) => f.name === name);
    expect(file, `${name} was deleted: released migrations must never be removed — restore it`).toBeDefined();
    expect(sha256(file!.sql), `${name} changed: released migrations must never change — add a new timestamped migration instead`).toBe(releasedMigrations[name]);
  });

  it('every migration file is recorded', () => {
    const unrecorded = files.map((f) => f.name).filter((name) => !(name in releasedMigrations));
    expect(unrecorded, `not recorded: ${unrecorded.join(', ')} — add its SHA-256 to releasedMigrations and update recordedSchemaHash`).toEqual([]);
  });

  it('applying every migration to a new database builds the recorded schema, and applying them again does nothing', async () => {
    const schemaHash = sha256((await pool.query<{ d: string }>(schemaSql)).rows.map((r) => r.d).join(';\n'));
    expect(schemaHash, `the schema the migrations build changed: if a new migration meant to change it, record the new schema hash ${schemaHash}`).toBe(recordedSchemaHash);
    const again = await openPool(db.url);
    await again.end();
    expect((await pool.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(files.length);
  });
});
