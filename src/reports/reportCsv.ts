import type { ReportTables } from './commissionerReport.js';

/** Each table of the report as CSV: its header, and its rows. The page, the CSV and the JSON carry the same figures. */
export const reportCsv: Record<string, (t: ReportTables) => { header: string[]; rows: (string | number | null)[][] }> = {
  funnel: (t) => ({ header: ['step', 'cases'], rows: t.funnel.map((r) => [r.step, r.cases]) }),
  closures: (t) => ({ header: ['reason', 'group', 'cases'], rows: t.closures.map((r) => [r.reason, r.group, r.cases]) }),
  'closure-groups': (t) => ({ header: ['group', 'cases'], rows: t.closureGroups.map((r) => [r.group, r.cases]) }),
  stages: (t) => ({ header: ['stage', 'cases', 'median_days', 'p90_days'], rows: t.stageTimes.map((r) => [r.stage, r.cases, r.medianDays, r.p90Days]) }),
  processes: (t) => ({ header: ['process', 'chosen', 'held'], rows: t.processes.map((r) => [r.process, r.chosen, r.held]) }),
  satisfaction: (t) => ({
    header: ['party', 'answers', 'mean', 'rating_1', 'rating_2', 'rating_3', 'rating_4', 'rating_5'],
    rows: t.satisfaction.map((r) => [r.party, r.answers, r.mean, ...r.byRating]),
  }),
  agencies: (t) => ({ header: ['agency', 'cases'], rows: t.agencies.map((r) => [r.agency, r.cases]) }),
  'victims-code': (t) => ({
    header: ['clock', 'met', 'met_late', 'overdue', 'running', 'stopped'],
    rows: t.victimsCode.map((r) => [r.clock, r.met, r.met_late, r.overdue, r.running, r.stopped]),
  }),
};

/** The same tables as JSON objects, keyed as the CSV files are named. */
export const reportJson = (t: ReportTables) => ({
  funnel: t.funnel.map(({ step, cases }) => ({ step, cases })),
  closures: t.closures.map(({ reason, group, cases }) => ({ reason, group, cases })),
  'closure-groups': t.closureGroups,
  stages: t.stageTimes,
  processes: t.processes,
  satisfaction: t.satisfaction,
  agencies: t.agencies,
  'victims-code': t.victimsCode,
});
