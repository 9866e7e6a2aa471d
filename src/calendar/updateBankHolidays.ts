/**
 * Refreshes the shipped bank holidays from a copy of https://www.gov.uk/bank-holidays.json:
 *   tsx src/calendar/updateBankHolidays.ts <downloaded bank-holidays.json> [--out FILE]
 * Writes the england-and-wales division, sorted by date, to the shipped data file (or FILE).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { bankHolidayDivision, bankHolidaysPath, coverageEnd, describeIssues, readBankHolidays, type BankHolidayDivision } from './bankHolidays.js';

const govUkDocument = z.object({ 'england-and-wales': bankHolidayDivision });

/** gov.uk drops old years from its file; keep the years it no longer lists so past deadlines stay as they were. */
function merge(current: BankHolidayDivision | null, downloaded: BankHolidayDivision): BankHolidayDivision {
  const downloadedYears = new Set(downloaded.events.map((e) => e.date.slice(0, 4)));
  const kept = (current?.events ?? []).filter((e) => !downloadedYears.has(e.date.slice(0, 4)));
  const events = [...kept, ...downloaded.events].sort((a, b) => a.date.localeCompare(b.date));
  return { division: 'england-and-wales', events };
}

function readDownload(path: string): BankHolidayDivision {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  const result = govUkDocument.safeParse(json);
  if (!result.success) {
    throw new Error(`${path} is not a gov.uk bank-holidays.json file. Nothing was written. Fix:\n${describeIssues(result.error).join('\n')}`);
  }
  return result.data['england-and-wales'];
}

const usage = 'Usage: tsx src/calendar/updateBankHolidays.ts <downloaded bank-holidays.json> [--out FILE]';

function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({ args: argv, options: { out: { type: 'string' } }, allowPositionals: true });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (args.positionals.length !== 1) {
    console.error(usage);
    return 2;
  }
  const out = args.values.out ?? bankHolidaysPath;
  const updated = merge(existsSync(out) ? readBankHolidays(out) : null, readDownload(args.positionals[0]!));
  // Write beside the target and rename, so a failed write never leaves half a file.
  writeFileSync(`${out}.tmp`, `${JSON.stringify(updated, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  console.log(`Wrote ${updated.events.length} England and Wales bank holidays, ${updated.events[0]!.date} to ${coverageEnd(updated)}, to ${out}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
