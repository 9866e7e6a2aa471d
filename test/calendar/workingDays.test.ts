import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bankHolidayDivision, bankHolidaysPath } from '../../src/calendar/bankHolidays.js';
import { nextDate } from '../../src/calendar/calendarDates.js';
import { endOfLondonDay, londonDate } from '../../src/calendar/londonTime.js';
import { addWorkingDays, coveredUntil, isWorkingDay } from '../../src/calendar/workingDays.js';

const shipped = JSON.parse(readFileSync(bankHolidaysPath, 'utf8')) as { division: string; events: { title: string; date: string }[] };

describe('isWorkingDay', () => {
  it.each([
    ['2026-11-20', true, 'a Friday'],
    ['2026-11-21', false, 'a Saturday'],
    ['2026-11-22', false, 'a Sunday'],
    ['2026-12-25', false, 'Christmas Day 2026'],
    ['2026-12-28', false, 'the substitute Boxing Day 2026'],
    ['2026-12-29', true, 'the Tuesday after it'],
    ['2027-03-26', false, 'Good Friday 2027'],
    ['2027-03-29', false, 'Easter Monday 2027'],
    ['2020-05-04', true, 'the first Monday of May 2020, moved for VE day'],
    ['2020-05-08', false, 'VE day 2020'],
    ['2022-05-30', true, 'the last Monday of May 2022, moved for the Platinum Jubilee'],
    ['2022-06-02', false, 'the Spring bank holiday 2022'],
    ['2022-06-03', false, 'the Platinum Jubilee bank holiday'],
    ['2022-09-19', false, 'the State Funeral of Queen Elizabeth II'],
    ['2023-05-08', false, 'the Coronation of King Charles III'],
  ])('%s is %s (%s)', (date, expected) => {
    expect(isWorkingDay(date)).toBe(expected);
  });

  it('refuses a date that does not exist or is not written YYYY-MM-DD', () => {
    expect(() => isWorkingDay('2026-02-30')).toThrow(/YYYY-MM-DD/);
    expect(() => isWorkingDay('20/11/2026')).toThrow(/YYYY-MM-DD/);
  });

  it('after the data runs out, counts only weekends and says where coverage ends', () => {
    const lastYear = Number(shipped.events.at(-1)!.date.slice(0, 4));
    expect(coveredUntil).toBe(`${lastYear}-12-31`);
    // The first Christmas Day after the data that falls on a weekday: not guessed as a holiday.
    let year = lastYear + 1;
    while ([0, 6].includes(new Date(`${year}-12-25T00:00:00Z`).getUTCDay())) year++;
    expect(isWorkingDay(`${year}-12-25`)).toBe(true);
    expect(isWorkingDay(`${lastYear + 1}-01-01`)).toBe(![0, 6].includes(new Date(`${lastYear + 1}-01-01T00:00:00Z`).getUTCDay()));
  });
});

describe('addWorkingDays', () => {
  it.each([
    ['a Friday + 2 is the end of Tuesday', '2026-11-20T10:00:00Z', 2, '2026-11-24T23:59:59.999Z'],
    ['over Christmas 2026 (Fri 25, Sat, Sun, substitute Boxing Day Mon 28)', '2026-12-24T10:00:00Z', 2, '2026-12-30T23:59:59.999Z'],
    ['over New Year 2027', '2026-12-30T10:00:00Z', 2, '2027-01-04T23:59:59.999Z'],
    ['over Easter 2027, which is also when BST begins', '2027-03-25T10:00:00Z', 1, '2027-03-30T22:59:59.999Z'],
    ['23:30 UTC on a summer Thursday is Friday in London', '2026-07-09T23:30:00Z', 2, '2026-07-14T22:59:59.999Z'],
    ['22:59 UTC on the same summer Thursday is still Thursday', '2026-07-09T22:59:00Z', 2, '2026-07-13T22:59:59.999Z'],
    ['23:30 UTC on a winter Thursday is still Thursday (GMT)', '2026-11-19T23:30:00Z', 2, '2026-11-23T23:59:59.999Z'],
    ['from BST into GMT (clocks go back Sun 25 Oct 2026)', '2026-10-23T12:00:00Z', 1, '2026-10-26T23:59:59.999Z'],
    ['a deadline still in BST before the clocks go back', '2026-10-22T12:00:00Z', 1, '2026-10-23T22:59:59.999Z'],
    ['23:30 UTC on the Friday before the clocks go back is Saturday in London', '2026-10-23T23:30:00Z', 1, '2026-10-26T23:59:59.999Z'],
    ['from GMT into BST (clocks go forward Sun 29 Mar 2026)', '2026-03-27T12:00:00Z', 1, '2026-03-30T22:59:59.999Z'],
    ['5 working days over the Spring bank holiday 2026', '2026-05-21T09:00:00Z', 5, '2026-05-29T22:59:59.999Z'],
  ])('%s', (_name, from, n, expected) => {
    expect(addWorkingDays(from, n)).toBe(expected);
  });

  it('refuses a count that is not a whole number of at least 1, and a time that is not an instant', () => {
    expect(() => addWorkingDays('2026-11-20T10:00:00Z', 0)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-11-20T10:00:00Z', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays('next Tuesday', 1)).toThrow(/ISO 8601 instant/);
  });
});

describe('London days', () => {
  it.each([
    ['2026-03-28', '2026-03-28T23:59:59.999Z', 'the Saturday before BST (GMT)'],
    ['2026-03-29', '2026-03-29T22:59:59.999Z', 'the Sunday the clocks go forward (ends in BST)'],
    ['2026-10-24', '2026-10-24T22:59:59.999Z', 'the Saturday before the clocks go back (BST)'],
    ['2026-10-25', '2026-10-25T23:59:59.999Z', 'the Sunday the clocks go back (ends in GMT)'],
  ])('%s ends at %s (%s)', (date, end) => {
    expect(endOfLondonDay(date)).toBe(end);
    expect(londonDate(end)).toBe(date);
    expect(londonDate(new Date(Date.parse(end) + 1).toISOString())).toBe(nextDate(date));
  });
});

describe('addWorkingDays properties', () => {
  const instant = fc
    .date({ min: new Date('2017-06-01T00:00:00Z'), max: new Date('2029-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString());
  const count = fc.integer({ min: 1, max: 30 });
  const after = (ms: number, iso: string) => new Date(Date.parse(iso) + ms).toISOString();

  it('ends on the last millisecond of a working day, exactly n working days after the start day', () => {
    fc.assert(
      fc.property(instant, count, (from, n) => {
        const due = addWorkingDays(from, n);
        const dueDate = londonDate(due);
        expect(isWorkingDay(dueDate)).toBe(true);
        expect(londonDate(after(1, due))).toBe(nextDate(dueDate));
        let workingDays = 0;
        for (let d = nextDate(londonDate(from)); d <= dueDate; d = nextDate(d)) if (isWorkingDay(d)) workingDays++;
        expect(workingDays).toBe(n);
      }),
    );
  });

  it('adding n then m is the same as adding n + m', () => {
    fc.assert(
      fc.property(instant, count, count, (from, n, m) => {
        expect(addWorkingDays(addWorkingDays(from, n), m)).toBe(addWorkingDays(from, n + m));
      }),
    );
  });

  it('a later start or a longer count never gives an earlier deadline', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 10 * 24 * 3600 * 1000 }), count, count, (from, later, n, more) => {
        expect(addWorkingDays(after(later, from), n) >= addWorkingDays(from, n)).toBe(true);
        expect(addWorkingDays(from, n + more) > addWorkingDays(from, n)).toBe(true);
      }),
    );
  });
});

describe('the shipped bank holiday data', () => {
  const dates = shipped.events.map((e) => e.date);
  const years = [...new Set(dates.map((d) => d.slice(0, 4)))];

  it('is the england-and-wales division in gov.uk shape, with real dates and no weekends', () => {
    const parsed = bankHolidayDivision.safeParse(shipped);
    expect(parsed.success, parsed.error?.message).toBe(true);
    expect(shipped.division).toBe('england-and-wales');
  });

  it('is sorted by date with no date twice, and covers 2018 to at least 2027 without a gap', () => {
    expect(dates).toEqual([...dates].sort());
    expect(new Set(dates).size).toBe(dates.length);
    expect(years[0]).toBe('2018');
    expect(Number(years.at(-1))).toBeGreaterThanOrEqual(2027);
    expect(years).toEqual(years.map((_, i) => String(2018 + i)));
  });

  /** The standard eight: Banking and Financial Dealings Act 1971 and royal proclamations. */
  const standardTitles = [
    'New Year’s Day',
    'Good Friday',
    'Easter Monday',
    'Early May bank holiday',
    'Spring bank holiday',
    'Summer bank holiday',
    'Christmas Day',
    'Boxing Day',
  ];
  const knownExtras: Record<string, string[]> = {
    '2022': ['Platinum Jubilee bank holiday', 'Bank Holiday for the State Funeral of Queen Elizabeth II'],
    '2023': ['Bank holiday for the coronation of King Charles III'],
  };

  it.each(years)('%s has the eight standard bank holidays plus only the known extras', (year) => {
    const titles = shipped.events.filter((e) => e.date.startsWith(year)).map((e) => e.title.replace(' (VE day)', ''));
    expect(titles.sort()).toEqual([...standardTitles, ...(knownExtras[year] ?? [])].sort());
  });

  it.each(years)('%s has each standard holiday on the date the rules give', (year) => {
    const y = Number(year);
    const expected = standardDates(y);
    const actual = Object.fromEntries(shipped.events.filter((e) => e.date.startsWith(year)).map((e) => [e.title.replace(' (VE day)', ''), e.date]));
    expect(Object.fromEntries(standardTitles.map((t) => [t, actual[t]]))).toEqual(expected);
  });
});

/**
 * An independent oracle for the standard dates: Easter by the Meeus/Jones/Butcher
 * algorithm, Mondays in May and August, Christmas substitutes; and the two
 * proclaimed moves (VE day 2020, the Platinum Jubilee 2022).
 */
function standardDates(year: number): Record<string, string> {
  const day = (m: number, d: number) => new Date(Date.UTC(year, m - 1, d));
  const plus = (date: Date, n: number) => new Date(date.getTime() + n * 86_400_000);
  const iso = (date: Date) => date.toISOString().slice(0, 10);
  const weekday = (date: Date) => date.getUTCDay();
  const firstMonday = (m: number) => plus(day(m, 1), (8 - weekday(day(m, 1))) % 7);
  const lastMonday = (m: number) => {
    const last = plus(day(m + 1, 1), -1);
    return plus(last, -((weekday(last) + 6) % 7));
  };
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, mm = Math.floor((a + 11 * h + 22 * l) / 451);
  const easter = day(Math.floor((h + l - 7 * mm + 114) / 31), ((h + l - 7 * mm + 114) % 31) + 1);
  const newYear = plus(day(1, 1), weekday(day(1, 1)) === 6 ? 2 : weekday(day(1, 1)) === 0 ? 1 : 0);
  // Christmas and Boxing Day falling on a weekend move to the next free weekdays.
  const christmasWeekday = weekday(day(12, 25));
  const [christmas, boxing] =
    christmasWeekday === 5 ? [day(12, 25), day(12, 28)]
    : christmasWeekday === 6 ? [day(12, 27), day(12, 28)]
    : christmasWeekday === 0 ? [day(12, 27), day(12, 26)]
    : [day(12, 25), day(12, 26)];
  return {
    'New Year’s Day': iso(newYear),
    'Good Friday': iso(plus(easter, -2)),
    'Easter Monday': iso(plus(easter, 1)),
    'Early May bank holiday': year === 2020 ? '2020-05-08' : iso(firstMonday(5)),
    'Spring bank holiday': year === 2022 ? '2022-06-02' : iso(lastMonday(5)),
    'Summer bank holiday': iso(lastMonday(8)),
    'Christmas Day': iso(christmas),
    'Boxing Day': iso(boxing),
  };
}
