import type { Issue } from '../../../cases/validation.js';
import { readPeriod, type Period } from '../../../reports/commissionerReport.js';
import type { FormBody } from '../../formFields.js';
import type { Field } from '../forms/fields.js';
import { readFields, type ReadForm } from '../forms/reader.js';

/** The period's two dates as GOV.UK date inputs. */
export const periodFields: Field[] = [
  { kind: 'date', name: 'from', label: 'From', hint: 'The first day of the period, for example 1 7 2026', called: 'The start of the period', missing: 'Enter the start of the period' },
  { kind: 'date', name: 'to', label: 'To', hint: 'The last day of the period, included', called: 'The end of the period', missing: 'Enter the end of the period' },
];

export type PeriodReading = { kind: 'period'; period: Period; values: FormBody } | { kind: 'none' } | { kind: 'problems'; read: ReadForm; issues: Issue[]; values: FormBody };

/** `from=2026-07-01` as the date boxes it would have come from, so a link and the form are read the same way. */
function asBoxes(query: FormBody): FormBody {
  const out: FormBody = { ...query };
  for (const name of ['from', 'to'] as const) {
    const v = query[name];
    if (typeof v !== 'string') continue;
    const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v.trim());
    Object.assign(out, m ? { [`${name}-year`]: m[1], [`${name}-month`]: m[2], [`${name}-day`]: m[3] } : { [`${name}-day`]: v });
  }
  return out;
}

/**
 * The period from the query: `from` and `to` as YYYY-MM-DD (the quarter links),
 * or the date boxes of the form; nothing given means the default period.
 */
export function readPeriodQuery(query: FormBody): PeriodReading {
  const values = asBoxes(query);
  if (!Object.keys(values).some((k) => /^(from|to)-(day|month|year)$/.test(k))) return { kind: 'none' };
  const read = readFields(periodFields, values);
  const parsed = readPeriod(read.payload);
  if (read.problems.length || !parsed.ok) return { kind: 'problems', read, issues: parsed.ok ? [] : parsed.issues, values };
  return { kind: 'period', period: parsed.period, values };
}
