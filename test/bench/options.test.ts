import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.js';
import { parseOptions } from './options.js';
import { writeReport, type BenchReport } from './report.js';

describe('bench options', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('--only names the sections to run; without it every section runs', () => {
    expect(parseOptions(['--quick', '--only', 'engine,http']).only).toEqual(['engine', 'http']);
    expect(parseOptions([]).only).toEqual([]);
    expect(() => parseOptions(['--only'])).toThrow(/unknown argument --only/);
  });

  it('a partial run is written under its time only, never as the latest figures', () => {
    const report = (startedAt: string): BenchReport => ({ mode: 'smoke', startedAt, durationMs: 1, machine: { node: 'v20', platform: 'linux', cpus: 2, memoryGiB: 24 }, sections: {} });
    writeReport(report('2026-11-23T10:00:00.000Z'), tmp.dir, { partial: true });
    expect(readdirSync(tmp.dir)).toEqual(['bench-2026-11-23T10-00-00-000Z.json']);
    writeReport(report('2026-11-23T11:00:00.000Z'), tmp.dir);
    expect(readdirSync(tmp.dir).sort()).toEqual(['bench-2026-11-23T10-00-00-000Z.json', 'bench-2026-11-23T11-00-00-000Z.json', 'bench-latest.json']);
  });
});
