import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.js';
import type { BenchReport } from './report.js';

/** CI does not run the benchmark; this proves the bench script still runs end to end, at toy sizes. */
describe('npm run bench -- --smoke', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('runs every section and writes numeric figures as JSON', { timeout: 120_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'run.ts'), '--smoke', '--out-dir', tmp.dir], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('│ result');

    const report = JSON.parse(readFileSync(join(tmp.dir, 'bench-latest.json'), 'utf8')) as BenchReport;
    expect(report.mode).toBe('smoke');
    expect(Object.keys(report.sections)).toEqual(['engine', 'http', 'scale', 'pages', 'reports', 'mail', 'deadlines']);
    for (const [name, section] of Object.entries(report.sections)) {
      expect(section, name).not.toHaveProperty('error');
      if ('error' in section) continue;
      expect(section.figures.length, name).toBeGreaterThan(0);
      for (const f of section.figures) {
        expect(Number.isFinite(f.value), `${name}: ${f.name}`).toBe(true);
        // The workload is valid at any size: an event the product refuses means the bench, or the product, broke.
        if (/refused/.test(f.name)) expect(f.value, `${name}: ${f.name}`).toBe(0);
      }
    }
  });
});
