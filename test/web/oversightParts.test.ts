import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { queueMoment } from '../../src/oversight/caseQueues.js';
import { supervisionStatus } from '../../src/oversight/supervision.js';
import { readPeriod, recentQuarters } from '../../src/reports/commissionerReport.js';
import { barChart } from '../../src/web/charts/barChart.js';
import { toCsv } from '../../src/web/csv.js';

/** The small parts the oversight pages are made of, each on its edges. */
describe('the parts of the oversight pages', () => {
  it('CSV: quotes what needs quoting, and defuses text a spreadsheet would run as a formula', () => {
    expect(toCsv(['a', 'b'], [['plain', 3], ['with, comma', null], ['say "hi"', 0], ['line\nbreak', -1]])).toBe(
      'a,b\r\nplain,3\r\n"with, comma",\r\n"say ""hi""",0\r\n"line\nbreak",-1\r\n',
    );
    expect(toCsv(['note'], [['=HYPERLINK("http://evil.example")'], ['+1'], ['-2'], ['@SUM(A1)'], ['\tx']])).toBe(
      'note\r\n"\'=HYPERLINK(""http://evil.example"")"\r\n\'+1\r\n\'-2\r\n\'@SUM(A1)\r\n\'\tx\r\n',
    );
  });

  it('supervision: due in the last two weeks of twelve, overdue after, never when none is recorded', () => {
    expect(supervisionStatus(undefined, '2026-12-01')).toEqual({ status: 'never' });
    // 12 weeks after 1 September 2026 is 24 November 2026.
    expect(supervisionStatus('2026-09-01', '2026-11-09')).toMatchObject({ status: 'upToDate', nextBy: '2026-11-24' });
    expect(supervisionStatus('2026-09-01', '2026-11-10').status).toBe('due');
    expect(supervisionStatus('2026-09-01', '2026-11-24').status).toBe('due');
    expect(supervisionStatus('2026-09-01', '2026-11-25').status).toBe('overdue');
  });

  it('the stalled line: STALLED_AFTER back from now, on the calendar', () => {
    expect(queueMoment(new Date('2026-12-01T10:00:00Z'), 'P14D')).toEqual({ now: '2026-12-01T10:00:00.000Z', today: '2026-12-01', stalledBefore: '2026-11-17T10:00:00.000Z' });
    expect(queueMoment(new Date('2026-12-01T10:00:00Z'), 'PT36H').stalledBefore).toBe('2026-11-29T22:00:00.000Z');
    // London's date, not UTC's, near midnight in summer.
    expect(queueMoment(new Date('2026-07-01T23:30:00Z'), 'P14D').today).toBe('2026-07-02');
  });

  it('periods: both dates needed, real, and in order; quarters run back from the current one', () => {
    expect(readPeriod({ from: '2026-10-01', to: '2026-12-31' })).toEqual({ ok: true, period: { from: '2026-10-01', to: '2026-12-31' } });
    expect(readPeriod({ from: '2026-10-01', to: '2026-09-30' })).toEqual({ ok: false, issues: [{ path: 'to', message: 'must be on or after the start of the period' }] });
    expect(readPeriod({ from: '2026-02-30', to: '2026-03-01' })).toMatchObject({ ok: false, issues: [{ path: 'from' }] });
    expect(readPeriod({ to: '2026-03-01', extra: 1 })).toMatchObject({ ok: false });
    expect(recentQuarters('2026-02-10').map((q) => `${q.from}..${q.to}`)).toEqual([
      '2026-01-01..2026-03-31',
      '2025-10-01..2025-12-31',
      '2025-07-01..2025-09-30',
      '2025-04-01..2025-06-30',
      '2025-01-01..2025-03-31',
    ]);
  });

  it('a bar chart: an image named with every figure, bars in proportion, labels escaped', () => {
    const svg = barChart('Cases by agency', [{ label: 'Police & <Probation>', value: 10 }, { label: 'Self', value: 5 }, { label: 'None', value: 0 }]).toString();
    const $ = load(svg, { xml: true });
    expect($('svg').attr('role')).toBe('img');
    expect($('svg').attr('aria-label')).toBe('Cases by agency: Police & <Probation> 10 cases, Self 5 cases, None 0 cases');
    expect($('title').text()).toBe($('svg').attr('aria-label'));
    expect($('rect').map((_, r) => Number($(r).attr('width'))).get()).toEqual([360, 180, 0]);
    expect(svg).not.toContain('<Probation>');
  });
});
