import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * A new, empty database on the run's test server (test/support/postgresServer.ts): its URL, and a function
 * that drops it. Each suite gets its own, as each SQLite suite gets its own temp file.
 */
export async function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = inject('postgresUrl');
  const name = `rj_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: `${server}/${name}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: `${server}/postgres` });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The settings every app instance on one PostgreSQL database shares (config.ts requires these secrets with DATABASE_URL). */
export const sharedSecrets = { LINK_SECRET: 'test-link-secret-shared-by-every-instance-0001', TOTP_KEY: 'test-totp-key-shared-by-every-instance-00000001' };
