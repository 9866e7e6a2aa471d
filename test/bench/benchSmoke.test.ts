import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.js';
import type { BenchReport } from './report.js';

/** CI does not run the benchmark; this proves the bench script still runs end to end, at toy sizes. */
describe('npm run bench -- --smoke', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  /** Runs the bench script with `args` at toy sizes; answers the report it wrote, and whether it stands as the latest. */
  function bench(args: string[], outDir: string) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'run.ts'), '--smoke', ...args, '--out-dir', outDir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('│ result');
    const [file, ...more] = readdirSync(outDir).filter((f) => f.startsWith('bench-2'));
    expect(more).toEqual([]);
    return { report: JSON.parse(readFileSync(join(outDir, file!), 'utf8')) as BenchReport, latest: existsSync(join(outDir, 'bench-latest.json')) };
  }

  /** Every figure a number, and no event the product refused: the workload is valid at any size. */
  function expectSound(report: BenchReport) {
    for (const [name, section] of Object.entries(report.sections)) {
      expect(section, name).not.toHaveProperty('error');
      if ('error' in section) continue;
      expect(section.figures.length, name).toBeGreaterThan(0);
      for (const f of section.figures) {
        expect(Number.isFinite(f.value), `${name}: ${f.name}`).toBe(true);
        if (/refused/.test(f.name)) expect(f.value, `${name}: ${f.name}`).toBe(0);
      }
    }
  }

  it('runs every section and writes numeric figures as JSON', { timeout: 120_000 }, () => {
    const { report, latest } = bench([], join(tmp.dir, 'all'));
    expect(latest).toBe(true);
    expect(report.mode).toBe('smoke');
    expect(Object.keys(report.sections)).toEqual(['engine', 'http', 'scale', 'pages', 'reports', 'mail', 'deadlines']);
    expectSound(report);
  });

  it('--store postgres runs the app on SQLite, then on PostgreSQL with one and three instances', { timeout: 120_000 }, () => {
    const { report, latest } = bench(['--store', 'postgres'], join(tmp.dir, 'stores'));
    // One section alone must not stand for the latest figures.
    expect(latest).toBe(false);
    expect(Object.keys(report.sections)).toEqual(['stores']);
    expectSound(report);
    const section = report.sections.stores!;
    if ('error' in section) return;
    const names = section.figures.map((f) => f.name);
    for (const name of ['SQLite, 1 instance: HTTP events/s', 'PostgreSQL, 1 instance: HTTP events/s', 'PostgreSQL, 3 instances: HTTP events/s', 'PostgreSQL: chain verified, events/s'])
      expect(names).toContain(name);
  });
});
