import type { Express } from 'express';
import type { Services } from './services.js';

/** Mail due this long ago and still not attempted means the outbox has stopped sending. */
export const outboxStuckAfterMs = 10 * 60 * 1000;

type Check = 'ok' | 'failing';

/**
 * Whether this instance should take traffic: the database takes a write, every
 * migration the code knows is applied, and the outbox is sending. Each check says
 * only ok or failing; the cause is in the logs, never in the answer.
 */
export async function readiness({ store, clock, logger }: Pick<Services, 'store' | 'clock' | 'logger'>) {
  const now = clock();
  const check = async (name: string, passes: () => Promise<boolean>): Promise<Check> => {
    try {
      if (await passes()) return 'ok';
      logger.warn({ check: name }, 'not ready');
    } catch (err) {
      logger.warn({ check: name, err: { type: (err as Error).name, message: (err as Error).message } }, 'not ready');
    }
    return 'failing';
  };
  const checks = {
    database: await check('database', () => store.writable(now.toISOString())),
    migrations: await check('migrations', async () => (await store.pendingMigrations()).length === 0),
    outbox: await check('outbox', async () => (await store.noticesWaitingSince(new Date(now.getTime() - outboxStuckAfterMs).toISOString())) === 0),
  };
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

/** /healthz: the process answers and the database reads (liveness). /readyz: send it traffic (readiness). */
export function setUpHealthChecks(app: Express, services: Services) {
  app.get('/healthz', async (_req, res) => {
    const ok = await services.store.ping().catch(() => false);
    res.status(ok ? 200 : 503).json({ ok });
  });
  app.get('/readyz', async (_req, res) => {
    const answer = await readiness(services);
    res.status(answer.ready ? 200 : 503).json(answer);
  });
}
