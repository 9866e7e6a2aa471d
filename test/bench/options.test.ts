import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/harness.js';
import { parseOptions } from './options.js';
import { appNodeFlags } from './processes.js';
import { writeReport, type BenchReport } from './report.js';

describe('bench options', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('starts the app with the Node flags npm start gives it', () => {
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toBe(`node ${appNodeFlags.join(' ')} --import tsx src/main.ts`);
  });

  it('--store postgres runs the stores section alone; no other store is known', () => {
    expect(parseOptions(['--quick', '--store', 'postgres'])).toMatchObject({ mode: 'quick', only: ['stores'] });
    expect(() => parseOptions(['--store', 'mysql'])).toThrow(/unknown argument --store/);
  });

  it('--only names the sections to run; without it every section runs', () => {
    expect(parseOptions(['--quick', '--only', 'engine,http']).only).toEqual(['engine', 'http']);
    expect(parseOptions([]).only).toEqual([]);
    expect(() => parseOptions(['--only'])).toThrow(/unknown argument --only/);
  });

  it('the pages section seeds as the scale section does (100,000 cases in a full run), and stays tiny in smoke mode', () => {
    for (const mode of [[], ['--quick'], ['--smoke']]) {
      const { scale, pages } = parseOptions(mode).sizes;
      expect(pages).toMatchObject({ cases: scale.cases, events: scale.events, facilitators: scale.facilitators, bigCaseload: scale.bigCaseload });
    }
    expect(parseOptions([]).sizes.pages.cases).toBe(100_000);
    const smoke = parseOptions(['--smoke']).sizes.pages;
    expect(smoke.cases).toBeLessThanOrEqual(1000);
    expect(smoke.samples + smoke.roundTrips).toBeLessThanOrEqual(50);
    expect(parseOptions(['--only', 'pages']).only).toEqual(['pages']);
  });

  it('the reports section reads a database seeded as the scale section\'s, and stays tiny in smoke mode', () => {
    for (const mode of [[], ['--quick'], ['--smoke']]) {
      const { scale, reports } = parseOptions(mode).sizes;
      expect(reports).toMatchObject({ cases: scale.cases, events: scale.events, facilitators: scale.facilitators, bigCaseload: scale.bigCaseload });
      expect(reports.samples).toBeGreaterThan(0);
      expect(reports.reportRuns).toBeGreaterThan(0);
    }
    expect(parseOptions([]).sizes.reports.cases).toBe(100_000);
    const smoke = parseOptions(['--smoke']).sizes.reports;
    expect(smoke.cases).toBeLessThanOrEqual(1000);
    expect(smoke.samples + smoke.reportRuns).toBeLessThanOrEqual(50);
  });

  it('a partial run is written under its time only, never as the latest figures', () => {
    const report = (startedAt: string): BenchReport => ({ mode: 'smoke', startedAt, durationMs: 1, machine: { node: 'v20', platform: 'linux', cpus: 2, memoryGiB: 24 }, sections: {} });
    writeReport(report('2026-11-23T10:00:00.000Z'), tmp.dir, { partial: true });
    expect(readdirSync(tmp.dir)).toEqual(['bench-2026-11-23T10-00-00-000Z.json']);
    writeReport(report('2026-11-23T11:00:00.000Z'), tmp.dir);
    expect(readdirSync(tmp.dir).sort()).toEqual(['bench-2026-11-23T10-00-00-000Z.json', 'bench-2026-11-23T11-00-00-000Z.json', 'bench-latest.json']);
  });
});
