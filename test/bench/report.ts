import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Target {
  on: 'value' | 'ratio';
  op: '<' | '<=' | '>' | '>=';
  limit: number;
}

/** One measured figure. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target?: Target;
  pass?: boolean;
  note?: string;
}

export interface SectionResult {
  figures: Figure[];
  /** Sizes and raw numbers behind the figures, for the JSON only. */
  details: Record<string, unknown>;
}

export interface BenchReport {
  mode: string;
  startedAt: string;
  durationMs: number;
  machine: { node: string; platform: string; cpus: number; memoryGiB: number };
  sections: Record<string, SectionResult | { error: string }>;
}

const holds = (x: number, { op, limit }: Target) =>
  op === '<' ? x < limit : op === '<=' ? x <= limit : op === '>' ? x > limit : x >= limit;

/** Fills in `ratio` (from a baseline) and `pass` (from a target). */
export function figure(f: Omit<Figure, 'ratio' | 'pass'>): Figure {
  const ratio = f.baseline !== undefined && f.baseline > 0 ? f.value / f.baseline : undefined;
  const checked = f.target?.on === 'ratio' ? ratio : f.value;
  return {
    ...f,
    ...(ratio !== undefined ? { ratio } : {}),
    ...(f.target && checked !== undefined ? { pass: holds(checked, f.target) } : {}),
  };
}

const num = (n: number | undefined) =>
  n === undefined ? '' : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-GB') : n.toPrecision(3).replace(/\.?0+$/, '');

const targetText = (t: Target | undefined, unit: string) => (t ? `${t.op} ${num(t.limit)}${t.on === 'ratio' ? ' ×' : ` ${unit}`}` : '');

export function formatTable(report: BenchReport): string {
  const header = ['section', 'figure', 'value', 'baseline', 'ratio', 'target', 'result'];
  const rows: string[][] = [];
  for (const [section, result] of Object.entries(report.sections)) {
    if ('error' in result) {
      rows.push([section, 'ERROR', result.error, '', '', '', 'fail']);
      continue;
    }
    for (const f of result.figures) {
      rows.push([
        section,
        f.name,
        `${num(f.value)} ${f.unit}`,
        f.baseline === undefined ? '' : `${num(f.baseline)} ${f.unit}`,
        f.ratio === undefined ? '' : `${num(f.ratio)}`,
        targetText(f.target, f.unit),
        f.pass === undefined ? '' : f.pass ? 'pass' : 'FAIL',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' │ ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map(line)].join('\n');
}

/**
 * Writes the report as data/bench-<timestamp>.json (or under `dir`), and as
 * bench-latest.json when every section ran: a partial run must not stand for the latest figures.
 */
export function writeReport(report: BenchReport, dir: string, { partial = false } = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(report, null, 2) + '\n';
  const files = [join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`), ...(partial ? [] : [join(dir, 'bench-latest.json')])];
  for (const file of files) writeFileSync(file, json);
  return files;
}
