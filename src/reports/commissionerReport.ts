import { z } from 'zod';
import { closureReasonGroups, closureReasonLabels, type ClosureReason } from '../../machines/case/closureReasons.js';
import { stages } from '../../machines/case/context.js';
import { endOfLondonDay } from '../calendar/londonTime.js';
import { nextDate } from '../calendar/calendarDates.js';
import type { Issue } from '../cases/validation.js';
import { toIssues } from '../cases/validation.js';
import type { ReportFigures, ReportsStore } from '../store/store.js';

/**
 * The commissioner's report, counted the same way every time. These rules are
 * shown on the report page and in the README:
 */
export const countingRules = [
  'A case belongs to the period in which its referral was received (cohort counting), whatever happened to it later.',
  'Every figure counts cases, never events: a case answered twice is one case contacted.',
  'Each funnel step counts the cases that ever reached it: contacted = the victim was invited or any party’s answer was recorded; consented = both parties consented; meeting or exchange held = a conference outcome or a completed indirect exchange was recorded; agreement made = an outcome with at least one agreement item; agreement completed = every agreement item completed.',
  'Time in a stage counts each case’s whole time there (over every stay), for the cases that have left the stage.',
  'Victims’ Code deadlines are counted from the referral, in working days; a deadline not met by a case closed or declined is counted as stopped.',
];

export const funnelSteps = [
  { key: 'referred', field: 'referred', label: 'Referred' },
  { key: 'contacted', field: 'contacted', label: 'Contacted' },
  { key: 'consented', field: 'consented', label: 'Both parties consented' },
  { key: 'meeting_held', field: 'meetingHeld', label: 'Meeting or exchange held' },
  { key: 'agreement_made', field: 'agreementMade', label: 'Agreement made' },
  { key: 'agreement_completed', field: 'agreementCompleted', label: 'Agreement completed' },
] as const;

const isoDay = z.iso.date({ error: 'a date as YYYY-MM-DD' });
const periodQuery = z.strictObject({ from: isoDay, to: isoDay });

export interface Period {
  from: string;
  to: string;
}

/** A report's period from its query (`from` and `to`, dates, both included), or the fields to fix. */
export function readPeriod(query: unknown): { ok: true; period: Period } | { ok: false; issues: Issue[] } {
  const parsed = periodQuery.safeParse(query);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
  // Compared only once both are dates: a month 13 is not "after the end".
  if (parsed.data.from > parsed.data.to) return { ok: false, issues: [{ path: 'to', message: 'must be on or after the start of the period' }] };
  return { ok: true, period: parsed.data };
}

/** The quarters a commissioner reports on: the current calendar quarter and the four before it, as from/to dates. */
export function recentQuarters(today: string): { label: string; from: string; to: string }[] {
  const [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  const current = year * 4 + Math.floor((month - 1) / 3);
  return Array.from({ length: 5 }, (_, back) => {
    const index = current - back;
    const [y, q] = [Math.floor(index / 4), index % 4];
    const from = `${y}-${String(q * 3 + 1).padStart(2, '0')}-01`;
    const to = new Date(Date.UTC(y, q * 3 + 3, 0)).toISOString().slice(0, 10);
    return { label: `${quarterMonths[q]} ${y}`, from, to };
  });
}
const quarterMonths = ['January to March', 'April to June', 'July to September', 'October to December'];

const groupOf = (reason: string | null) =>
  (Object.entries(closureReasonGroups).find(([, codes]) => (codes as readonly string[]).includes(reason ?? ''))?.[0] ?? 'unknown') as string;
const days = (ms: number | null) => (ms === null ? null : Math.round((ms / 86_400_000) * 10) / 10);

/** The report's tables, each a list of rows, from the figures the store counts. */
export function reportTables(figures: ReportFigures) {
  const funnel = funnelSteps.map((s) => ({ step: s.key, label: s.label, cases: figures.funnel[s.field] }));
  const closures = figures.closures
    .map((c) => ({ reason: c.reason ?? 'unknown', label: closureReasonLabels[c.reason as ClosureReason] ?? 'Unknown', group: groupOf(c.reason), cases: c.cases }))
    .sort((a, b) => b.cases - a.cases || a.reason.localeCompare(b.reason));
  const closureGroups = Object.keys(closureReasonGroups).map((group) => ({ group, cases: closures.filter((c) => c.group === group).reduce((n, c) => n + c.cases, 0) }));
  const stageTimes = stages
    .filter((s) => s !== 'closed')
    .map((stage) => {
      const row = figures.stageTimes.find((t) => t.stage === stage);
      return { stage, cases: row?.cases ?? 0, medianDays: days(row?.median ?? null), p90Days: days(row?.p90 ?? null) };
    });
  const kind = (p: string) => (p === 'conference' ? 'direct' : 'indirect');
  const processes = (['direct', 'indirect'] as const).map((k) => {
    const rows = figures.processes.filter((p) => kind(p.process) === k);
    return { process: k, chosen: rows.reduce((n, r) => n + r.cases, 0), held: rows.reduce((n, r) => n + r.held, 0) };
  });
  const satisfaction = ['victim', 'offender'].map((party) => {
    const rows = figures.satisfaction.filter((s) => s.party === party);
    const answers = rows.reduce((n, r) => n + r.answers, 0);
    const byRating = [1, 2, 3, 4, 5].map((rating) => rows.find((r) => r.rating === rating)?.answers ?? 0);
    const mean = answers ? Math.round((rows.reduce((n, r) => n + r.rating * r.answers, 0) / answers) * 100) / 100 : null;
    return { party, answers, mean, byRating };
  });
  const clockStatuses = ['met', 'met_late', 'overdue', 'running', 'stopped'];
  const victimsCode = ['victimContacted', 'rjInformationOffered'].map((clock) => ({
    clock,
    ...Object.fromEntries(clockStatuses.map((status) => [status, figures.clocks.find((c) => c.clock === clock && c.status === status)?.cases ?? 0])),
  })) as { clock: string; met: number; met_late: number; overdue: number; running: number; stopped: number }[];
  return { funnel, closures, closureGroups, stageTimes, processes, satisfaction, agencies: figures.agencies, victimsCode };
}

export type ReportTables = ReturnType<typeof reportTables>;

/** The first instant of a London day (YYYY-MM-DD): the end of the day before, and a millisecond. */
const startOfLondonDay = (date: string) => {
  const dayBefore = new Date(Date.parse(`${date}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return new Date(Date.parse(endOfLondonDay(dayBefore)) + 1).toISOString();
};

/** The report for a period: dates on London's calendar, both days included. */
export async function commissionerReport(store: ReportsStore, period: Period, now: string): Promise<ReportTables> {
  const figures = await store.reportFigures({ from: startOfLondonDay(period.from), to: startOfLondonDay(nextDate(period.to)), now });
  return reportTables(figures);
}
