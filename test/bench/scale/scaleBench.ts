import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { openDatabase } from '../../../src/store/database.js';
import { createSqliteStore } from '../../../src/store/sqliteStore.js';
import type { Sizes } from '../options.js';
import { appNodeFlags, freePort, spawnTsx, stopProcess } from '../processes.js';
import { figure, type SectionResult } from '../report.js';
import { median, percentile, perSecond, round, timed } from '../stats.js';
import { seedScaleDb } from './seed.js';

const mainScript = join(import.meta.dirname, '../../../src/main.ts');

/** A small deterministic PRNG, so every run samples the same pages. */
function random(seed: number) {
  return (below: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

/** Starts src/main.ts on the seeded database; resolves once /healthz answers, with the time that took. */
async function startServer(databasePath: string): Promise<{ child: ChildProcess; url: string; startMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = performance.now();
  // Every setting the product reads at start is given, so none leaks in from the caller (vitest sets BASE_URL=/, for one).
  const env = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', BASE_URL: url, DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' };
  const child = spawnTsx(mainScript, [], env, 'ignore', appNodeFlags);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`src/main.ts exited with ${code}`))));
  for (;;) {
    const answered = await Promise.race([
      fetch(`${url}/healthz`).then((r) => r.ok, () => false),
      exited,
    ]);
    if (answered) return { child, url, startMs: performance.now() - start };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Wall time of `samples` sequential GETs (after a short warm-up), each checked for a 200. */
async function sampleLatency(url: string, token: string, paths: () => string, samples: number): Promise<number[]> {
  const get = async () => {
    const path = paths();
    const start = performance.now();
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return performance.now() - start;
  };
  for (let i = 0; i < Math.min(20, samples); i++) await get();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await get());
  return times;
}

/** Resident and peak resident memory of a process, in MB, from /proc. */
function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/**
 * Section 3: a seeded database of `cases` cases and `events` history rows;
 * page latencies through the real server, chain verification, memory and
 * start-up time.
 */
export async function scaleBench(sizes: Sizes['scale'], workDir: string): Promise<SectionResult> {
  const path = join(workDir, 'scale.sqlite');
  const seeded = await timed(() => seedScaleDb(path, sizes));
  const db = seeded.value;

  // One verification is a couple of seconds of both cores, so its rate is the median of a few.
  const store = createSqliteStore(openDatabase(path));
  const verifications: number[] = [];
  for (let i = 0; i < sizes.verifications; i++) {
    const verify = await timed(() => store.verifyChain());
    if (!verify.value.ok || verify.value.events !== db.events) throw new Error(`the seeded chain does not verify: ${JSON.stringify(verify.value)}`);
    verifications.push(verify.ms);
  }
  store.close();

  const startups: number[] = [];
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    for (let i = 0; i < sizes.startups; i++) {
      if (server) await stopProcess(server.child);
      server = await startServer(path);
      startups.push(server.startMs);
    }
    const { url, child } = server!;
    const pick = random(42);
    const pages = (cases: number) => Math.ceil(cases / 50);
    const supervisorList = await sampleLatency(url, db.supervisorToken, () => `/api/cases?page=${1 + pick(pages(db.caseIds.length))}`, sizes.samples);
    const facilitatorList = await sampleLatency(url, db.bigCaseload.token, () => `/api/cases?page=${1 + pick(pages(db.bigCaseload.cases))}`, sizes.samples);
    const history = await sampleLatency(url, db.supervisorToken, () => `/api/cases/${db.caseIds[pick(db.caseIds.length)]}/history`, sizes.samples);
    const memory = memoryOf(child.pid!);

    const p95 = (name: string, times: number[]) =>
      figure({ name, value: percentile(times, 95), unit: 'ms', target: { on: 'value', op: '<', limit: 50 } });
    const latency = (times: number[]) => ({ p50: round(median(times)), p95: round(percentile(times, 95)), max: round(percentile(times, 100)) });
    return {
      figures: [
        p95(`caseload page p95, supervisor (${db.caseIds.length.toLocaleString('en-GB')} cases)`, supervisorList),
        p95(`caseload page p95, facilitator (${db.bigCaseload.cases.toLocaleString('en-GB')} cases)`, facilitatorList),
        p95(`case history page p95 (~${Math.round(db.events / db.caseIds.length)} events)`, history),
        figure({
          name: `verify hash chain (${db.events.toLocaleString('en-GB')} events, median)`,
          value: perSecond(db.events, median(verifications)),
          unit: 'events/s',
          target: { on: 'value', op: '>', limit: 1_000_000 },
        }),
        figure({ name: 'server peak RSS after the page loads', value: memory.peakRssMb, unit: 'MB', target: { on: 'value', op: '<', limit: 200 } }),
        figure({
          name: 'start-up to first answered request (median)',
          value: median(startups),
          unit: 'ms',
          target: { on: 'value', op: '<', limit: 1000 },
        }),
      ],
      details: {
        sizes,
        seeded: { cases: db.caseIds.length, events: db.events, notices: db.notices, seconds: round(seeded.ms / 1000, 1) },
        databaseMb: round(statSync(path).size / 2 ** 20, 1),
        verifyMs: verifications.map((ms) => round(ms)),
        pagesMs: { supervisorList: latency(supervisorList), facilitatorList: latency(facilitatorList), history: latency(history) },
        memory,
        startupsMs: startups.map((ms) => round(ms)),
      },
    };
  } finally {
    if (server) await stopProcess(server.child);
  }
}
