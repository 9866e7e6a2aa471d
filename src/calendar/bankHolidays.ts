import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { calendarDate, isWeekend } from './calendarDates.js';

/** The shipped data: the england-and-wales division of https://www.gov.uk/bank-holidays.json. */
export const bankHolidaysPath = join(dirname(fileURLToPath(import.meta.url)), 'bankHolidays.englandAndWales.json');

const bankHoliday = z.object({
  title: z.string().min(1),
  date: calendarDate.refine((d) => !isWeekend(d), 'is a Saturday or Sunday; a bank holiday never is'),
  notes: z.string(),
  bunting: z.boolean(),
});

export const bankHolidayDivision = z.object(
  {
    division: z.literal('england-and-wales'),
    events: z
      .array(bankHoliday)
      .min(1)
      .superRefine((events, ctx) => {
        const seen = new Set<string>();
        events.forEach((e, i) => {
          if (seen.has(e.date)) ctx.addIssue({ code: 'custom', path: [i, 'date'], message: `${e.date} is listed twice` });
          seen.add(e.date);
        });
      }),
  },
  { error: (issue) => (issue.input === undefined ? 'is missing' : 'must be an object with "division" and "events"') },
);

export type BankHolidayDivision = z.infer<typeof bankHolidayDivision>;

/** Plain-English lines for each problem, e.g. `events.3.date: is a Saturday or Sunday…`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(the whole file)'}: ${i.message}`);
}

export function readBankHolidays(path: string): BankHolidayDivision {
  const result = bankHolidayDivision.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!result.success) throw new Error(`${path} is not a valid bank holiday file:\n${describeIssues(result.error).join('\n')}`);
  return result.data;
}

/** Bank holidays are published for whole years, so the data covers up to the end of its last year. */
export function coverageEnd(division: BankHolidayDivision): string {
  const lastYear = division.events.map((e) => e.date.slice(0, 4)).sort().at(-1);
  return `${lastYear}-12-31`;
}
