import { z } from 'zod';

/** A real date written YYYY-MM-DD (zod rejects 2026-02-30 as well as 2026-2-3). */
export const calendarDate = z.iso.date({ error: 'must be a real date written YYYY-MM-DD' });

const dayMs = 24 * 60 * 60 * 1000;
const asUtcMidnight = (date: string) => Date.parse(`${date}T00:00:00Z`);

export function assertCalendarDate(date: string): void {
  if (!calendarDate.safeParse(date).success) throw new RangeError(`expected a date written YYYY-MM-DD, got "${date}"`);
}

export function nextDate(date: string): string {
  return new Date(asUtcMidnight(date) + dayMs).toISOString().slice(0, 10);
}

export function isWeekend(date: string): boolean {
  const day = new Date(asUtcMidnight(date)).getUTCDay();
  return day === 0 || day === 6;
}
