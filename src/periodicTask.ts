import type { Logger } from './logger.js';

/**
 * Runs `run` every `intervalMs`, one run at a time: a call during a run waits
 * for that run. The timer never keeps the process alive, and stop() waits for
 * the run in progress.
 */
export function periodicTask<T>(run: () => Promise<T>, { intervalMs, logger, name }: { intervalMs: number; logger: Logger; name: string }) {
  let handle: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;

  const once = (): Promise<T> => (running ??= run().finally(() => (running = undefined)));
  const tick = () => void once().catch((err) => logger.error({ err }, `${name} failed`));

  return {
    once,
    start() {
      tick();
      handle = setInterval(tick, intervalMs);
      handle.unref();
    },
    async stop() {
      if (handle) clearInterval(handle);
      await running?.catch(() => undefined);
    },
  };
}
