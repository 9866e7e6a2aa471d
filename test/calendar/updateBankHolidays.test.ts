import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bankHolidaysPath, readBankHolidays } from '../../src/calendar/bankHolidays.js';
import { projectRoot } from '../cli/runCli.js';
import { tempDir } from '../support/harness.js';

/** Runs the maintainers' script as they would, writing to a temp file instead of the shipped data. */
function runUpdate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['src/calendar/updateBankHolidays.ts', ...args], { cwd: projectRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const event = (title: string, date: string, notes = '') => ({ title, date, notes, bunting: true });

describe('updateBankHolidays.ts', () => {
  const tmp = tempDir();
  const shippedHash = sha256(bankHolidaysPath);
  const shipped = readBankHolidays(bankHolidaysPath);
  afterAll(() => tmp.remove());

  /** A gov.uk document as downloaded: three divisions, 2019 onwards (gov.uk drops old years), 2027 revised, 2028 new. */
  const download = {
    'england-and-wales': {
      division: 'england-and-wales',
      events: [
        event('New Year’s Day', '2028-01-03', 'Substitute day'),
        event('Christmas Day', '2028-12-25'),
        event('An extra bank holiday', '2027-06-07'),
        ...shipped.events.filter((e) => e.date >= '2019').reverse(),
      ],
    },
    scotland: { division: 'scotland', events: [event('St Andrew’s Day', '2028-11-30')] },
    'northern-ireland': { division: 'northern-ireland', events: [] },
  };

  it('writes the england-and-wales division sorted, keeps years gov.uk dropped, and takes the new and revised years', async () => {
    const input = join(tmp.dir, 'bank-holidays.json');
    const out = join(tmp.dir, 'out.json');
    writeFileSync(input, JSON.stringify(download));
    copyFileSync(bankHolidaysPath, out);

    const result = await runUpdate([input, '--out', out]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`2018-01-01 to 2028-12-31, to ${out}`);
    const written = readBankHolidays(out);
    const dates = written.events.map((e) => e.date);
    expect(written.division).toBe('england-and-wales');
    expect(dates).toEqual([...dates].sort());
    expect(dates.filter((d) => d.startsWith('2018'))).toEqual(shipped.events.filter((e) => e.date.startsWith('2018')).map((e) => e.date));
    expect(dates).toEqual(expect.arrayContaining(['2027-06-07', '2028-01-03', '2028-12-25']));
    expect(dates).not.toContain('2028-11-30');
    expect(sha256(bankHolidaysPath)).toBe(shippedHash);
  });

  it('rewrites the shipped data unchanged from a download of the same data', async () => {
    const input = join(tmp.dir, 'same.json');
    const out = join(tmp.dir, 'fresh.json');
    writeFileSync(input, JSON.stringify({ 'england-and-wales': { ...shipped, events: [...shipped.events].reverse() } }));

    const result = await runUpdate([input, '--out', out]);

    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(bankHolidaysPath, 'utf8'));
  });

  it('refuses a file with a weekend, an impossible date or a missing division, says what to fix and writes nothing', async () => {
    const out = join(tmp.dir, 'kept.json');
    copyFileSync(bankHolidaysPath, out);
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'england-and-wales': { division: 'england-and-wales', events: [event('Saturday', '2028-01-01'), event('No such day', '2028-02-30')] } }));
    const notJson = join(tmp.dir, 'not.json');
    writeFileSync(notJson, '<html>Sorry, we are experiencing technical difficulties</html>');
    const noDivision = join(tmp.dir, 'scotland-only.json');
    writeFileSync(noDivision, JSON.stringify({ scotland: download.scotland }));

    const [weekend, html, missing] = await Promise.all([runUpdate([bad, '--out', out]), runUpdate([notJson, '--out', out]), runUpdate([noDivision, '--out', out])]);

    expect(weekend.code).toBe(1);
    expect(weekend.stderr).toContain('Nothing was written');
    expect(weekend.stderr).toContain('england-and-wales.events.0.date: is a Saturday or Sunday');
    expect(weekend.stderr).toContain('england-and-wales.events.1.date: must be a real date written YYYY-MM-DD');
    expect(html.code).toBe(1);
    expect(html.stderr).toContain(`Cannot read ${notJson} as JSON`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('england-and-wales: is missing');
    expect(sha256(out)).toBe(sha256(bankHolidaysPath));
  });

  it('prints its usage when not given exactly one file', async () => {
    const result = await runUpdate([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: tsx src/calendar/updateBankHolidays.ts');
  });
});
