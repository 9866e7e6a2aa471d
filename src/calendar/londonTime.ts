import { nextDate } from './calendarDates.js';

/** Everything this service says about dates and times is in London time: computation, calendars and wording. */
const zone = 'Europe/London';
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

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What London's clocks and calendar show at an instant (month 1–12). */
export function londonWallClock(ms: number): WallClock {
  const parts = dateTimeParts.formatToParts(ms).filter((p) => p.type !== 'literal');
  return Object.fromEntries(parts.map((p) => [p.type, Number(p.value)])) as unknown as WallClock;
}

function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`expected an ISO 8601 instant, got "${instant}"`);
  return ms;
}

/** How far London's clocks are ahead of UTC at an instant (0 in GMT, an hour in BST). */
function londonOffsetMs(ms: number): number {
  const p = londonWallClock(ms);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The date (YYYY-MM-DD) on London's calendar at an instant. */
export function londonDate(instant: string): string {
  const p = londonWallClock(instantMs(instant));
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The last millisecond of a London day, as a UTC ISO instant (23:59:59.999 GMT or BST). */
export function endOfLondonDay(date: string): string {
  const nextMidnightUtc = Date.parse(`${nextDate(date)}T00:00:00Z`);
  // UK clocks change at 01:00 UTC, so the offset at midnight UTC is the offset at London's midnight.
  return new Date(nextMidnightUtc - londonOffsetMs(nextMidnightUtc) - 1).toISOString();
}

const wordParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: zone,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h23',
});

function wordsAt(ms: number) {
  return Object.fromEntries(wordParts.formatToParts(ms).map((p) => [p.type, p.value])) as Record<Intl.DateTimeFormatPartTypes, string>;
}

/** A calendar date (YYYY-MM-DD) as "Tuesday 15 December 2026". */
export function londonDay(date: string): string {
  const p = wordsAt(Date.parse(`${date}T12:00:00Z`));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** An instant as London's clocks show it, in GOV.UK style: "Tuesday 1 December 2026 at 10am", "at 2:30pm", "at midday". */
export function londonDateTime(instant: string): string {
  const p = wordsAt(Date.parse(instant));
  const hour = Number(p.hour);
  const minutes = p.minute === '00' ? '' : `:${p.minute}`;
  const time =
    hour === 12 && !minutes ? 'midday' : hour === 0 && !minutes ? 'midnight' : `${hour % 12 || 12}${minutes}${hour < 12 ? 'am' : 'pm'}`;
  return `${p.weekday} ${p.day} ${p.month} ${p.year} at ${time}`;
}

/**
 * The instant London's clocks show `hour:minute` on `date` (YYYY-MM-DD), as ISO with its
 * UTC offset. In the hour the clocks go back the earlier (BST) reading is taken; a time
 * skipped when they go forward reads as an hour later, as a wall clock would.
 */
export function londonInstant(date: string, hour: number, minute: number): string {
  const wall = Date.parse(`${date}T00:00:00Z`) + (hour * 60 + minute) * 60_000;
  // London is UTC or an hour ahead: the readings that show this wall time, earlier first.
  const readings = [wall - 60 * 60_000, wall].filter((at) => londonOffsetMs(at) === wall - at);
  const at = readings[0] ?? wall - londonOffsetMs(wall - 12 * 60 * 60_000);
  return new Date(at).toISOString();
}
