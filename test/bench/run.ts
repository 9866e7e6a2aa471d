/**
 * `npm run bench [-- --quick | --smoke] [--out-dir <dir>] [--only <section,...>] [--store postgres]`: runs every section,
 * prints one table and writes the same figures as JSON.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { deadlineBench } from './deadlines/deadlineBench.js';
import { engineBench } from './engine/engineBench.js';
import { httpBench } from './http/httpBench.js';
import { mailBench } from './mail/mailBench.js';
import { parseOptions, type Options } from './options.js';
import { pagesBench } from './pages/pagesBench.js';
import { formatTable, writeReport, type BenchReport, type SectionResult } from './report.js';
import { reportsBench } from './reports/reportsBench.js';
import { scaleBench } from './scale/scaleBench.js';
import { storeBench } from './stores/storeBench.js';

const sections: Record<string, (o: Options, workDir: string) => Promise<SectionResult>> = {
  engine: (o, dir) => engineBench(o.sizes.engine, dir),
  http: (o, dir) => httpBench(o.sizes.http, dir),
  scale: (o, dir) => scaleBench(o.sizes.scale, dir),
  pages: (o, dir) => pagesBench(o.sizes.pages, dir),
  reports: (o, dir) => reportsBench(o.sizes.reports, dir),
  mail: (o, dir) => mailBench(o.sizes.mail, dir),
  deadlines: (o, dir) => deadlineBench(o.sizes.deadlines, dir),
  stores: (o, dir) => storeBench(o.sizes.http, dir),
};

/** Sections a run without --only leaves out: the stores section starts PostgreSQL and five app processes (`--store postgres`). */
const onRequestOnly = new Set(['stores']);

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const unknown = options.only.filter((name) => !(name in sections));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${Object.keys(sections).join(', ')}`);
  const started = new Date();
  const report: BenchReport = {
    mode: options.mode,
    startedAt: started.toISOString(),
    durationMs: 0,
    machine: { node: process.version, platform: process.platform, cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    sections: {},
  };
  const workRoot = join(options.outDir, `bench-work-${process.pid}`);
  try {
    for (const [name, run] of Object.entries(sections)) {
      if (options.only.length ? !options.only.includes(name) : onRequestOnly.has(name)) continue;
      const workDir = join(workRoot, name);
      mkdirSync(workDir, { recursive: true });
      const t0 = performance.now();
      console.error(`bench: ${name}…`);
      try {
        report.sections[name] = await run(options, workDir);
      } catch (error) {
        console.error(error);
        report.sections[name] = { error: error instanceof Error ? error.message : String(error) };
      } finally {
        // Each section's databases go as soon as it is done: the scale one is over a gigabyte.
        rmSync(workDir, { recursive: true, force: true });
      }
      console.error(`bench: ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(workRoot, { recursive: true, force: true });
  }
  report.durationMs = Date.now() - started.getTime();
  console.log(formatTable(report));
  const files = writeReport(report, options.outDir, { partial: options.only.length > 0 });
  console.log(`\n${options.mode} run in ${(report.durationMs / 1000).toFixed(1)} s; written to ${files.join(' and ')}`);
  if (Object.values(report.sections).some((s) => 'error' in s)) process.exitCode = 1;
}

await main();
