import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationFiles, openDatabase } from '../../src/store/database.js';
import { tempDir } from '../support/harness.js';

/**
 * A canary for released migrations, like a schema-hash test: databases in use
 * have already applied these files, so a released migration must never change.
 * Record a new file's SHA-256 (`sha256sum src/store/migrations/<name>`) when it
 * is added; never edit a recorded one.
 */
const releasedMigrations: Record<string, string> = {
  '20261123_0900_initial.sql': 'f248a5c14457a32260cfd241c8c7a67ae8db68cb94b7ab6d2a293854b4f68e6f',
  '20261123_1000_caseload_order.sql': '65f96e5d076087dbeb3404bdb6fce4fe27a3cd17a14939848d5eccc4fff64b56',
  '20261123_1100_response_links.sql': 'e1d3a3b7ec9592550257ab14fca446c37a8488b2f504349dd03b366ff00da2ce',
  '20261123_1200_idempotency_replay.sql': '85db0ee34dbc3b8aeb4a11e28d45c5901fc6c0b6d56d378bba068bcb77f910cb',
  '20261123_1300_party_session_expiry.sql': '596d33883f193bb84ce27194d1de78ecccd7f2072c75feace4479fbdfe049e18',
  '20261201_0900_chart_v2.sql': '1e2b37564a24368d2a6f73a2ee6292d90404af73241dcfda771a73b764b328c7',
  '20261202_0900_staff_sessions.sql': '475525303025caabf37e99f44661ab3d55024a4141f2c61289c70406af03a6d6',
  '20261203_0900_oversight.sql': '6c2e4004f675375afcf6d60c90e47151609a629e513874bac50666c5a3708f46',
  '20261204_0900_report_cohorts.sql': 'c8485196dffd64600a055f0fe8292570e957d206ac05f9e849389f948454aa64',
  '20261205_0900_readiness_probe.sql': '2f3fdd4e8cf937957ac3ed09217e67a801067c1233988144f2ce997df130bfa5',
  '20261206_0900_accounts.sql': 'b792678c9c4dd07bec0dbfbda85eba7bfd00b2a6fb8e257491270fa6db130862',
  '20261207_0900_privacy.sql': 'a4e71f0936ab314f7dd4b3e1cea7458b9236c0c801ac5373076cc9ca442fec27',
};

/** SHA-256 of the schema that all the migrations build: every CREATE statement in sqlite_master, sorted. */
const recordedSchemaHash = 'b3e4a3bf3e232e56d72aa4bdc152ec67eed5fe5c6449641d8938f6020fb27826';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('released migrations', () => {
  const files = migrationFiles();
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it.each(Object.keys(releasedMigrations))('%s is unchanged', (name) => {
    const file = files.find((f) => f.name === name);
    expect(file, `${name} was deleted: released migrations must never be removed — restore it`).toBeDefined();
    expect(
      sha256(file!.sql),
      `${name} changed: released migrations must never change — restore it and add a new timestamped migration instead`,
    ).toBe(releasedMigrations[name]);
  });

  it('every migration file is recorded', () => {
    const unrecorded = files.map((f) => f.name).filter((name) => !(name in releasedMigrations));
    expect(
      unrecorded,
      `not recorded: ${unrecorded.join(', ')} — a new migration must be recorded on purpose: add its SHA-256 to releasedMigrations and update recordedSchemaHash`,
    ).toEqual([]);
  });

  it('applying every migration to a new database builds the recorded schema', () => {
    const db = openDatabase(`${tmp.dir}/fresh.sqlite`);
    try {
      const statements = db.prepare('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL').pluck().all() as string[];
      expect(
        sha256(statements.sort().join(';\n')),
        'the schema the migrations build changed: if a new migration meant to change it, record the new schema hash',
      ).toBe(recordedSchemaHash);
    } finally {
      db.close();
    }
  });
});
