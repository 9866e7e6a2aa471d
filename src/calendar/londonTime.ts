import { nextDate } from './calendarDates.js';

const zone = 'Europe/London';
const dateParts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
const dateTimeParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: zone,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function partsOf(format: Intl.DateTimeFormat, ms: number): Record<string, number> {
  return Object.fromEntries(format.formatToParts(ms).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`expected an ISO 8601 instant, got "${instant}"`);
  return ms;
}

/** How far London's clocks are ahead of UTC at an instant (0 in GMT, an hour in BST). */
function londonOffsetMs(ms: number): number {
  const p = partsOf(dateTimeParts, ms);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
}

/** The date (YYYY-MM-DD) on London's calendar at an instant. */
export function londonDate(instant: string): string {
  const p = partsOf(dateParts, instantMs(instant));
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The last millisecond of a London day, as a UTC ISO instant (23:59:59.999 GMT or BST). */
export function endOfLondonDay(date: string): string {
  const nextMidnightUtc = Date.parse(`${nextDate(date)}T00:00:00Z`);
  // UK clocks change at 01:00 UTC, so the offset at midnight UTC is the offset at London's midnight.
  return new Date(nextMidnightUtc - londonOffsetMs(nextMidnightUtc) - 1).toISOString();
}
