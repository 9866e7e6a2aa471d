import { bankHolidaysPath, coverageEnd, readBankHolidays } from './bankHolidays.js';
import { assertCalendarDate, isWeekend, nextDate } from './calendarDates.js';
import { endOfLondonDay, londonDate } from './londonTime.js';

const shipped = readBankHolidays(bankHolidaysPath);
const bankHolidayDates = new Set(shipped.events.map((e) => e.date));

/**
 * The last date the shipped bank holidays cover. After it only weekends are
 * taken out: gov.uk publishes about two years ahead, and later holidays are
 * never guessed. Run src/calendar/updateBankHolidays.ts to extend it.
 */
export const coveredUntil: string = coverageEnd(shipped);

/** Monday to Friday and not an England and Wales bank holiday. */
export function isWorkingDay(date: string): boolean {
  assertCalendarDate(date);
  return !isWeekend(date) && !bankHolidayDates.has(date);
}

/**
 * The deadline n working days after an instant: the end (23:59:59.999 London
 * time) of the nth working day after the London date on which the instant falls.
 */
export function addWorkingDays(fromInstant: string, n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a whole number of working days, 1 or more, got ${n}`);
  let date = londonDate(fromInstant);
  for (let counted = 0; counted < n; ) {
    date = nextDate(date);
    if (isWorkingDay(date)) counted++;
  }
  return endOfLondonDay(date);
}
