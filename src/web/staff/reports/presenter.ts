import type { Stage } from '../../../../machines/case/context.js';
import { countingRules, type Period, type ReportTables } from '../../../reports/commissionerReport.js';
import { barChart } from '../../charts/barChart.js';
import { day, stageLabels } from '../caseWords.js';

const groupLabels: Record<string, string> = {
  completed: 'Completed',
  victim: 'Ended by the victim',
  offender: 'Ended by the offender',
  service: 'Ended by the service',
  administrative: 'Administrative',
  unknown: 'Unknown',
};
const clockLabels: Record<string, string> = {
  victimContacted: 'Victim contacted',
  rjInformationOffered: 'Victim given information about restorative justice',
};
const fmt = (n: number | null) => (n === null ? 'No cases' : n.toLocaleString('en-GB'));
const percent = (n: number, of: number) => (of ? `${Math.round((n / of) * 100)}%` : '–');

type Cell = { text: string; format?: 'numeric' };
const num = (n: number | null): Cell => ({ text: fmt(n), format: 'numeric' });
const txt = (text: string): Cell => ({ text });
const numeric = (text: string): Cell => ({ text, format: 'numeric' });
const table = (caption: string, file: string, head: Cell[], rows: Cell[][]) => ({ caption, csvHref: file, head, rows });

/** The report page: the period, its shortcuts, the counting rules, and each chart beside the table of its figures. */
export function reportsPresenter(period: Period, t: ReportTables, quarters: { label: string; from: string; to: string }[]) {
  const q = `from=${period.from}&to=${period.to}`;
  const csv = (name: string) => `/reports/${name}.csv?${q}`;
  const referred = t.funnel[0]?.cases ?? 0;
  const victimRatings = t.satisfaction.find((s) => s.party === 'victim');
  return {
    title: 'Reports for the commissioner',
    periodText: `Cases referred from ${day(period.from)} to ${day(period.to)}`,
    quarters: quarters.map((x) => ({ text: x.label, href: `/reports?from=${x.from}&to=${x.to}`, current: x.from === period.from && x.to === period.to })),
    countingRules,
    jsonHref: `/api/reports?${q}`,
    sections: [
      {
        id: 'funnel',
        heading: 'From referral to agreement',
        chart: barChart('Cases reaching each step', t.funnel.map((f) => ({ label: f.label, value: f.cases }))),
        table: table('Cases reaching each step', csv('funnel'), [txt('Step'), numeric('Cases'), numeric('Of those referred')], t.funnel.map((f) => [txt(f.label), num(f.cases), numeric(percent(f.cases, referred))])),
      },
      {
        id: 'closures',
        heading: 'Why cases closed',
        chart: barChart('Closed cases by group of reason', t.closureGroups.map((g) => ({ label: groupLabels[g.group] ?? g.group, value: g.cases }))),
        table: table('Closed cases by group of reason', csv('closure-groups'), [txt('Group'), numeric('Cases')], t.closureGroups.map((g) => [txt(groupLabels[g.group] ?? g.group), num(g.cases)])),
        more: [
          table(
            'Closed cases by reason',
            csv('closures'),
            [txt('Reason'), txt('Code'), txt('Group'), numeric('Cases')],
            t.closures.map((c) => [txt(c.label), txt(c.reason), txt(groupLabels[c.group] ?? c.group), num(c.cases)]),
          ),
        ],
      },
      {
        id: 'stages',
        heading: 'Time in each stage',
        chart: barChart('Median days in each stage', t.stageTimes.map((s) => ({ label: stageLabels[s.stage as Stage], value: s.medianDays ?? 0 })), 'days'),
        table: table(
          'Days in each stage, for the cases that left it',
          csv('stages'),
          [txt('Stage'), numeric('Cases'), numeric('Median days'), numeric('90th percentile days')],
          t.stageTimes.map((s) => [txt(stageLabels[s.stage as Stage]), num(s.cases), num(s.medianDays), num(s.p90Days)]),
        ),
      },
      {
        id: 'processes',
        heading: 'Direct and indirect processes',
        chart: barChart('Processes chosen', t.processes.map((p) => ({ label: p.process === 'direct' ? 'Direct (conference)' : 'Indirect (messages, letters)', value: p.chosen }))),
        table: table(
          'Processes chosen and held',
          csv('processes'),
          [txt('Process'), numeric('Chosen'), numeric('Held')],
          t.processes.map((p) => [txt(p.process === 'direct' ? 'Direct (conference)' : 'Indirect (messages, letters)'), num(p.chosen), num(p.held)]),
        ),
      },
      {
        id: 'satisfaction',
        heading: 'Satisfaction',
        chart: barChart(
          'Victims’ ratings, from 1 (very dissatisfied) to 5 (very satisfied)',
          (victimRatings?.byRating ?? [0, 0, 0, 0, 0]).map((n, i) => ({ label: `Rating ${i + 1}`, value: n })),
          'answers',
        ),
        table: table(
          'Feedback ratings by party',
          csv('satisfaction'),
          [txt('Party'), numeric('Answers'), numeric('Mean rating'), ...[1, 2, 3, 4, 5].map((r) => (numeric(`Rated ${r}`)))],
          t.satisfaction.map((s) => [txt(s.party === 'victim' ? 'Victims' : 'Offenders'), num(s.answers), num(s.mean), ...s.byRating.map(num)]),
        ),
      },
      {
        id: 'agencies',
        heading: 'Referrals by referrer agency',
        chart: barChart('Referrals by agency', t.agencies.map((a) => ({ label: a.agency, value: a.cases }))),
        table: table('Referrals by agency', csv('agencies'), [txt('Agency'), numeric('Cases')], t.agencies.map((a) => [txt(a.agency), num(a.cases)])),
      },
      {
        id: 'victims-code',
        heading: 'Victims’ Code deadlines',
        table: table(
          'Victims’ Code deadlines, by case',
          csv('victims-code'),
          [txt('Deadline'), ...['Met', 'Met late', 'Overdue', 'Still running', 'Stopped (case ended)'].map(numeric)],
          t.victimsCode.map((c) => [txt(clockLabels[c.clock] ?? c.clock), num(c.met), num(c.met_late), num(c.overdue), num(c.running), num(c.stopped)]),
        ),
      },
    ],
  };
}
