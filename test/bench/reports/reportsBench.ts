import { join } from 'node:path';
import { londonDate } from '../../../src/calendar/londonTime.js';
import { queueMoment } from '../../../src/oversight/caseQueues.js';
import { commissionerReport, type Period, type ReportTables } from '../../../src/reports/commissionerReport.js';
import { openDatabase } from '../../../src/store/database.js';
import { caseQueues, type CaseQueue, type DashboardCounts } from '../../../src/store/store.js';
import { pageSize } from '../../../src/web/staff/caseload/presenter.js';
import { benchServices } from '../fixtures.js';
import type { Sizes } from '../options.js';
import { figure, type SectionResult } from '../report.js';
import { median, percentile, round, timed } from '../stats.js';
import { seedScaleDb } from '../scale/seed.js';

type Work = () => Promise<unknown> | unknown;

/**
 * Wall times of `runs` rounds (after `warmups` untimed ones), each running every piece of work once in turn,
 * so drift in disk or CPU speed (other work on the machine) falls on the measured reads and their baseline alike.
 */
async function rounds<K extends string>(runs: number, warmups: number, work: Record<K, Work>): Promise<Record<K, number[]>> {
  const names = Object.keys(work) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = -warmups; round < runs; round++) {
    for (const name of names) {
      const start = performance.now();
      await work[name]();
      if (round >= 0) times[name].push(performance.now() - start);
    }
  }
  return times;
}

const londonDay = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });

/** The UTC instant London's day `date` starts at (midnight GMT, or 23:00 UTC the day before in BST), worked out here rather than by the product. */
function londonMidnight(date: string): string {
  for (const hoursAhead of [0, 1]) {
    const ms = Date.parse(`${date}T00:00:00Z`) - hoursAhead * 3_600_000;
    const p = Object.fromEntries(londonDay.formatToParts(ms).map((x) => [x.type, x.value]));
    if (`${p.year}-${p.month}-${p.day}` === date && p.hour === '00') return new Date(ms).toISOString();
  }
  throw new Error(`no London midnight found for ${date}`);
}

const dayAfter = (date: string) => new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The calendar quarter (London dates, both included) that a date falls in. */
function quarterOf(date: string): Period & { label: string } {
  const [year, month] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  const q = Math.floor((month - 1) / 3);
  const from = `${year}-${String(q * 3 + 1).padStart(2, '0')}-01`;
  const to = new Date(Date.UTC(year, q * 3 + 3, 0)).toISOString().slice(0, 10);
  return { label: `Q${q + 1} ${year}`, from, to };
}

/** A report that counted nothing, or counted the wrong cases, stops the bench instead of timing fast nothing. */
function checkReport(what: string, tables: ReportTables, expectedReferred: number) {
  const referred = tables.funnel.find((s) => s.step === 'referred')!.cases;
  if (expectedReferred <= 0) throw new Error(`${what}: the seeded database has no cases in the period`);
  if (referred !== expectedReferred) throw new Error(`${what}: the funnel says ${referred} referred, the period holds ${expectedReferred} cases`);
  const byAgency = tables.agencies.reduce((n, a) => n + a.cases, 0);
  if (byAgency !== referred) throw new Error(`${what}: the agencies add up to ${byAgency} cases, not the ${referred} referred`);
  for (const step of tables.funnel) if (step.cases > referred) throw new Error(`${what}: ${step.step} counts ${step.cases} cases, more than the ${referred} referred`);
  if (!tables.funnel.some((s) => s.step !== 'referred' && s.cases > 0)) throw new Error(`${what}: no case got past referral`);
  if (!tables.closures.length) throw new Error(`${what}: no closures counted`);
  return { funnel: Object.fromEntries(tables.funnel.map((s) => [s.step, s.cases])), closures: tables.closures.reduce((n, c) => n + c.cases, 0) };
}

/**
 * The supervisors' oversight reads on a database seeded as the scale section's (every fifth case the variant
 * walk, so each list has cases in it), through the store the product opens (createServices): the commissioner's
 * report for one quarter and for every seeded case, the dashboard's counts and the facilitators' caseloads, and
 * the first page of each of the dashboard's lists as the caseload page reads it. Each is compared with a baseline
 * read in the same rounds: the report with one plain read of its period's summaries (on a second connection with
 * the product's pragmas), the dashboard and the caseloads with `SELECT count(*) FROM cases`, and the lists with
 * the first page of the unfiltered caseload (a supervisor's), read through the store.
 */
export async function reportsBench(sizes: Sizes['reports'], workDir: string): Promise<SectionResult> {
  const path = join(workDir, 'reports.sqlite');
  const seeded = await timed(() => seedScaleDb(path, { ...sizes, startups: 0, verifications: 0 }));
  const db = seeded.value;

  const services = await benchServices(path);
  const plain = openDatabase(path, { migrate: false });
  try {
    const { store, config } = services;
    // The product reads at its clock's time; every seeded date is long past by then, so the figures do not drift with it.
    const at = services.clock();
    const now = at.toISOString();
    const moment = queueMoment(at, config.stalledAfter);

    // The periods: the quarter the middle case was referred in, and every seeded case.
    const createdAt = plain.prepare('SELECT created_at FROM cases WHERE id = ?').pluck();
    const span = plain.prepare('SELECT min(created_at) AS first, max(created_at) AS last FROM cases').get() as { first: string; last: string };
    const quarter = quarterOf(londonDate(createdAt.get(db.caseIds[Math.floor(db.caseIds.length / 2)]) as string));
    const whole: Period = { from: londonDate(span.first), to: londonDate(span.last) };
    const bounds = (p: Period) => [londonMidnight(p.from), londonMidnight(dayAfter(p.to))] as const;
    const quarterCases = plain.prepare('SELECT count(*) FROM cases WHERE created_at >= ? AND created_at < ?').pluck().get(...bounds(quarter)) as number;
    const checked = {
      quarter: checkReport(`the report for ${quarter.label}`, await commissionerReport(store, quarter, now), quarterCases),
      whole: checkReport('the report for every case', await commissionerReport(store, whole, now), db.caseIds.length),
    };

    // Every list has cases (the variant walk stops in each), and its list agrees with its count.
    const counts: DashboardCounts = await store.dashboardCounts(moment);
    const listOf = (name: CaseQueue) => store.listCases({ queue: { name, ...moment }, limit: pageSize, offset: 0 });
    for (const name of caseQueues) {
      if (!(counts[name] > 0)) throw new Error(`the dashboard counts ${counts[name]} cases in ${name} on the seeded database`);
      const { cases, total } = await listOf(name);
      if (total !== counts[name] || cases.length !== Math.min(pageSize, total)) {
        throw new Error(`the ${name} list shows ${cases.length} of ${total} cases; the dashboard counts ${counts[name]}`);
      }
    }
    const caseloads = await store.facilitatorCaseloads();
    const openAllocated = caseloads.reduce((n, f) => n + Object.values(f.byStage).reduce((a, b) => a + b, 0), 0);
    if (caseloads.length !== sizes.facilitators || openAllocated === 0) {
      throw new Error(`the caseloads list ${caseloads.length} facilitators (seeded ${sizes.facilitators}) with ${openAllocated} open cases`);
    }
    const firstPage = await store.listCases({ limit: pageSize, offset: 0 });
    if (firstPage.cases.length !== Math.min(pageSize, db.caseIds.length) || firstPage.total !== db.caseIds.length) {
      throw new Error(`the unfiltered caseload shows ${firstPage.cases.length} of ${firstPage.total} cases; ${db.caseIds.length} were seeded`);
    }

    // The report's floor: one read of the period's summaries, walking the same index, with no JSON taken apart.
    const readSummaries = plain.prepare('SELECT sum(length(summary)) FROM cases WHERE created_at >= ? AND created_at < ?').pluck();
    const countAll = plain.prepare('SELECT count(*) FROM cases').pluck();
    const scan = () => countAll.get();
    const reportRuns = await rounds(sizes.reportRuns, 1, {
      quarterScan: () => readSummaries.get(...bounds(quarter)),
      quarter: () => commissionerReport(store, quarter, now),
      wholeScan: () => readSummaries.get(...bounds(whole)),
      whole: () => commissionerReport(store, whole, now),
    });
    const reads = await rounds(sizes.samples, Math.min(20, sizes.samples), {
      scan,
      page: () => store.listCases({ limit: pageSize, offset: 0 }),
      dashboard: () => store.dashboardCounts(queueMoment(services.clock(), config.stalledAfter)),
      caseloads: () => store.facilitatorCaseloads(),
      ...(Object.fromEntries(caseQueues.map((name) => [name, () => listOf(name)])) as Record<CaseQueue, Work>),
    });

    const count = (n: number) => n.toLocaleString('en-GB');
    const target = (limit: number) => ({ on: 'value' as const, op: '<' as const, limit });
    const p95 = (times: number[]) => percentile(times, 95);
    const latency = (times: number[]) => ({ p50: round(median(times)), p95: round(p95(times)), max: round(percentile(times, 100)) });
    const quarterName = `commissioner report, ${quarter.label} (${count(quarterCases)} cases)`;
    const wholeName = `commissioner report, every case (${count(db.caseIds.length)})`;
    const summariesNote = "baseline: one read of the period's summaries (SELECT sum(length(summary)) over the same created_at range), in the same rounds";
    const scanNote = 'baseline: SELECT count(*) FROM cases, in the same rounds';
    return {
      figures: [
        figure({ name: `${quarterName}, median`, value: median(reportRuns.quarter), baseline: median(reportRuns.quarterScan), unit: 'ms', note: summariesNote }),
        figure({ name: `${quarterName}, p95`, value: p95(reportRuns.quarter), baseline: p95(reportRuns.quarterScan), unit: 'ms', note: summariesNote }),
        figure({ name: `${wholeName}, median`, value: median(reportRuns.whole), baseline: median(reportRuns.wholeScan), unit: 'ms', note: summariesNote }),
        figure({ name: `${wholeName}, p95`, value: p95(reportRuns.whole), baseline: p95(reportRuns.wholeScan), unit: 'ms', target: target(1000), note: summariesNote }),
        figure({ name: 'dashboard counts p95 (8 lists)', value: p95(reads.dashboard), baseline: p95(reads.scan), unit: 'ms', target: target(50), note: scanNote }),
        figure({
          name: `facilitator caseloads p95 (${sizes.facilitators} facilitators)`,
          value: p95(reads.caseloads),
          baseline: p95(reads.scan),
          unit: 'ms',
          target: target(50),
          note: scanNote,
        }),
        ...caseQueues.map((name) =>
          figure({
            name: `list ${name}, first page p95 (${count(counts[name])} cases)`,
            value: p95(reads[name]),
            baseline: p95(reads.page),
            unit: 'ms',
            target: target(50),
            note: `baseline: the first page of the unfiltered caseload (${pageSize} cases, newest first), in the same rounds`,
          }),
        ),
      ],
      details: {
        sizes,
        seeded: { cases: db.caseIds.length, events: db.events, notices: db.notices, tasks: db.tasks, seconds: round(seeded.ms / 1000, 1) },
        now,
        moment,
        periods: { quarter: { ...quarter, cases: quarterCases }, whole: { ...whole, cases: db.caseIds.length } },
        reports: checked,
        counts,
        openAllocated,
        reportMs: Object.fromEntries(Object.entries(reportRuns).map(([name, times]) => [name, latency(times as number[])])),
        readsMs: Object.fromEntries(Object.entries(reads).map(([name, times]) => [name, latency(times as number[])])),
      },
    };
  } finally {
    plain.close();
    services.store.close();
  }
}
