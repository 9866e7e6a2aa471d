import type { Server } from 'node:http';
import type { Services } from './services.js';

/** Everything must be stopped by then, or the process exits anyway (SIGTERM's usual grace is 10 s or more). */
export const shutdownDeadlineMs = 9_000;

/**
 * Stops in the order that loses nothing: no new connections, then the requests in
 * flight are answered (each only after its group commit is durable), then the
 * scheduler's and the outbox's work in hand finishes (a send under way is recorded),
 * then the last writes are committed and the database closed. Past the deadline the
 * open connections are cut and the process may exit: whatever was committed stays
 * committed, and a send that was under way is retried after the restart, with the
 * same Message-ID.
 */
export async function shutDown(server: Server, services: Services): Promise<'stopped' | 'deadline'> {
  const stopped = (async () => {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Kept-alive connections with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
    await serverClosed;
    await services.scheduler.stop();
    await services.retention.stop();
    await services.privacy.stop();
    await services.outbox.stop();
    await services.accountOutbox.stop();
    await services.store.close();
    return 'stopped' as const;
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), shutdownDeadlineMs)));
  const outcome = await Promise.race([stopped, deadline]);
  clearTimeout(timer);
  if (outcome === 'deadline') server.closeAllConnections();
  return outcome;
}
