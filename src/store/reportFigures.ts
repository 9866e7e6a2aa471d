import { stages } from '../../machines/case/context.js';
import { clockDefinitions } from '../cases/victimsCodeClocks.js';
import type { ReportFigures } from './store.js';

/**
 * The commissioner's figures for a cohort of cases: those whose referral was received in [from, to). Each
 * counts cases, never events, from the summary and the columns every event keeps (src/cases/caseSummary.ts),
 * as copied by the database's triggers into case_report_cohort. The cohort is read once, grouped by everything
 * the tables count by; the tables are sums of those groups. The SQL (with `@name` parameters) is the same in
 * both dialects; each store's reports module runs it.
 */
const funnelFields = ['contacted', 'consented', 'meetingHeld', 'agreementMade', 'agreementCompleted'] as const;
export const openStages = stages.filter((s) => s !== 'closed');

/** A column of case_report_cohort: meetingHeld is meeting_held. */
const column = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const clockKeys = clockDefinitions.map((d) => d.key);

export type CubeRow = { agency: string; process: string | null; reason: string | null; closed: number; cases: number } & Record<(typeof funnelFields)[number], number> &
  Record<string, number | string | null>;

const stayCohort = 't.case_created_at >= @from AND t.case_created_at < @to';
// A clock unsettled is overdue or running, as of now.
const standing = (key: string) => `coalesce(r.${column(key)}_standing, CASE WHEN r.${column(key)}_due < @now THEN 'overdue' ELSE 'running' END) AS "${key}"`;

export const reportSql = {
  // Grouped and ordered by position: by name, an alias could mean a column of the same name.
  cube: `SELECT r.agency AS agency, r.process AS process, r.closure_reason AS reason, r.closed AS closed,
      ${funnelFields.map((f) => `r.${column(f)} AS "${f}"`).join(', ')}, ${clockKeys.map(standing).join(', ')}, count(*) AS cases
    FROM case_report_cohort r WHERE r.created_at >= @from AND r.created_at < @to
    GROUP BY ${Array.from({ length: 4 + funnelFields.length + clockKeys.length }, (_, i) => i + 1).join(', ')}`,
  /** A stage's stays in the period. */
  stays: `SELECT count(*) AS n FROM case_stage_times t WHERE t.stage = @stage AND ${stayCohort}`,
  /** The k-th shortest stay (from 0), along the index in order of time. */
  nthStay: `SELECT t.ms AS ms FROM case_stage_times t WHERE t.stage = @stage AND ${stayCohort} ORDER BY t.ms LIMIT 1 OFFSET @k`,
  satisfaction: `SELECT f.party AS party, f.rating AS rating, count(*) AS answers FROM feedback f JOIN cases c ON c.id = f.case_id
    WHERE c.created_at >= @from AND c.created_at < @to GROUP BY f.party, f.rating ORDER BY f.party, f.rating`,
};

/** Adds `n` to the entry of `map` at `key`. */
const tally = <K>(map: Map<K, number>, key: K, n: number) => map.set(key, (map.get(key) ?? 0) + n);

/** The rank (from 0) of a percentile among `cases` stays, by nearest rank. */
export const nearestRank = (cases: number, percent: number) => Math.ceil((cases * percent) / 100) - 1;

/** The figures from the cohort's groups, each stage's stays, and the feedback's answers. */
export function foldReport(cube: CubeRow[], stageTimes: ReportFigures['stageTimes'], satisfaction: ReportFigures['satisfaction']): ReportFigures {
  const funnel = { referred: 0, contacted: 0, consented: 0, meetingHeld: 0, agreementMade: 0, agreementCompleted: 0 };
  const closures = new Map<string | null, number>();
  const processes = new Map<string, { cases: number; held: number }>();
  const agencies = new Map<string, number>();
  const clocks = new Map<string, number>();
  // In one order whatever order the database grouped them in.
  const sorted = [...cube].sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
  for (const r of sorted) {
    funnel.referred += r.cases;
    for (const f of funnelFields) funnel[f] += r[f] * r.cases;
    if (r.closed) tally(closures, r.reason, r.cases);
    if (r.process) {
      const entry = processes.get(r.process) ?? { cases: 0, held: 0 };
      processes.set(r.process, { cases: entry.cases + r.cases, held: entry.held + r.meetingHeld * r.cases });
    }
    tally(agencies, r.agency, r.cases);
    for (const k of clockKeys) tally(clocks, `${k}\n${r[k]}`, r.cases);
  }
  return {
    funnel,
    closures: [...closures].map(([reason, cases]) => ({ reason, cases })),
    stageTimes,
    processes: [...processes].map(([process, n]) => ({ process, ...n })),
    satisfaction,
    agencies: [...agencies].map(([agency, cases]) => ({ agency, cases })).sort((a, b) => b.cases - a.cases || a.agency.localeCompare(b.agency)),
    clocks: [...clocks].map(([key, cases]) => {
      const [clock, status] = key.split('\n') as [string, string];
      return { clock, status, cases };
    }),
  };
}
