import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp } from '../../support/harness.js';
import { addBenchStaff, openCases } from '../fixtures.js';
import type { Sizes } from '../options.js';
import { runTsx } from '../processes.js';
import { figure, type SectionResult } from '../report.js';
import { round } from '../stats.js';
import { caseScript } from '../workload.js';
import { startBareApp } from './bareApp.js';
import type { LoadConfig, LoadResult } from './loadgen.js';

const loadgen = join(import.meta.dirname, 'loadgen.ts');
const notesPerStep = 1;
/** Cases walked side by side by the load generator: far more than the connections, so no case has two events in flight. */
const window = 256;

/** Runs the load generator process against `url` and returns its figures, plus this (server) process's CPU time. */
async function load(config: LoadConfig, workDir: string, name: string): Promise<LoadResult & { serverCpuMs: number }> {
  const file = join(workDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const cpu = process.cpuUsage();
  const result = JSON.parse(await runTsx(loadgen, [file])) as LoadResult;
  const used = process.cpuUsage(cpu);
  return { ...result, serverCpuMs: (used.user + used.system) / 1000 };
}

/**
 * Section 2: POST /api/cases/:id/events over HTTP at N connections, a mix of
 * ADD_NOTE and real transitions across many cases, against a bare express app.
 */
export async function httpBench(sizes: Sizes['http'], workDir: string): Promise<SectionResult> {
  const app = await startApp(join(workDir, 'http.sqlite'));
  const bare = await startBareApp();
  try {
    const staff = await addBenchStaff(app.services);
    const caseIds = await openCases(app.services, staff, sizes.cases);
    const eventsPerCase = caseScript(notesPerStep).length;
    const base = {
      caseIds,
      tokens: { facilitator: staff.facilitator.token, supervisor: staff.supervisor.token },
      notesPerStep,
      window,
      connections: sizes.connections,
      warmup: Math.round(sizes.cases * eventsPerCase * sizes.warmupShare),
    };
    const baseline = await load({ ...base, urls: [bare.url] }, workDir, 'bare');
    const product = await load({ ...base, urls: [app.baseUrl] }, workDir, 'product');
    const refused = product.sent - (product.statuses['200'] ?? 0) + product.errors;
    const cpuPerRequest = (r: typeof product, cpuMs: number) => round((cpuMs / r.sent) * 1000, 1);
    return {
      figures: [
        figure({
          name: `HTTP events/s, ${sizes.connections} connections`,
          value: product.perSecond,
          baseline: baseline.perSecond,
          unit: '/s',
          target: { on: 'ratio', op: '>=', limit: 0.5 },
          note: 'baseline: bare express 5 app, one JSON POST route',
        }),
        figure({ name: 'HTTP p50 latency', value: product.p50, baseline: baseline.p50, unit: 'ms' }),
        figure({ name: 'HTTP p99 latency', value: product.p99, baseline: baseline.p99, unit: 'ms', target: { on: 'value', op: '<=', limit: 10 } }),
        figure({
          name: 'HTTP server CPU per request',
          value: cpuPerRequest(product, product.serverCpuMs),
          baseline: cpuPerRequest(baseline, baseline.serverCpuMs),
          unit: 'µs',
        }),
        // The load generator shares the machine's cores with the server: this is its share of each request.
        figure({
          name: 'load generator CPU per request',
          value: cpuPerRequest(product, product.cpuMs),
          baseline: cpuPerRequest(baseline, baseline.cpuMs),
          unit: 'µs',
        }),
        figure({ name: 'HTTP events refused or failed', value: refused, unit: '', target: { on: 'value', op: '<=', limit: 0 } }),
      ],
      details: { sizes, window, eventsPerCase, product, baseline },
    };
  } finally {
    await bare.close();
    await app.stop();
  }
}
