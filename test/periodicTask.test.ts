import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { periodicTask } from '../src/periodicTask.js';

describe('periodicTask', () => {
  const logger = createLogger('silent');

  it('runs one at a time: calls during a run share it, and a later call starts a new one', async () => {
    let runs = 0;
    let release!: () => void;
    const task = periodicTask(
      () => new Promise<number>((resolve) => (release = () => resolve(++runs))),
      { intervalMs: 60_000, logger, name: 'test' },
    );
    const first = task.once();
    const second = task.once();
    release();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    const third = task.once();
    release();
    expect(await third).toBe(2);
  });

  it('stop() waits for the run in progress, even one that fails', async () => {
    let release!: () => void;
    let finished = false;
    const task = periodicTask(
      () => new Promise<void>((_resolve, reject) => (release = () => { finished = true; reject(new Error('boom')); })),
      { intervalMs: 60_000, logger, name: 'test' },
    );
    task.start();
    const stopped = task.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});
