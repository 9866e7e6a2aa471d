import { freshPgDatabase, sharedSecrets } from './pgDatabase.js';
import { startApp, tempDir, testClock, type TestApp, type TestClock } from './harness.js';

/** `n` real app instances in this process, each with its own pool, write queue and port, on one fresh PostgreSQL database. */
export async function startPgApps(n: number, clock: TestClock = testClock(), env: Record<string, string> = {}) {
  const db = await freshPgDatabase();
  const tmp = tempDir();
  const apps: TestApp[] = [];
  // One after another: the first migrates the database, the others find it migrated.
  for (let i = 0; i < n; i++) apps.push(await startApp(`${tmp.dir}/rj.sqlite`, clock, { DATABASE_URL: db.url, ...sharedSecrets, ...env }));
  return {
    apps,
    url: db.url,
    async stop() {
      for (const app of apps) await app.stop();
      await db.drop();
      tmp.remove();
    },
  };
}
