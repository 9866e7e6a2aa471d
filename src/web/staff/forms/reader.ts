import { londonInstant } from '../../../calendar/londonTime.js';
import type { FormBody } from '../../formFields.js';
import { calledOf, htmlId, htmlName, type Field } from './fields.js';

/** A problem found while reading the form itself (a date that is not a date), before any rule is asked. */
export interface ReadProblem {
  path: string;
  id: string;
  text: string;
}

const one = (body: FormBody, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};
const many = (body: FormBody, name: string): string[] => {
  const v = body[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};

/** How many rows of a list the form holds: as many as were sent (at least one), plus or minus the row asked for. */
export function listRows(body: FormBody, path: (string | number)[], field: Field & { kind: 'list' }): number {
  const prefix = `${htmlName(path)}[`;
  const sent = Object.keys(body).filter((k) => k.startsWith(prefix)).map((k) => Number(/^\[(\d+)\]/.exec(k.slice(prefix.length - 1))?.[1] ?? -1));
  const counted = Math.max(Number(one(body, `${htmlName(path)}-rows`)) || 0, sent.length ? Math.max(...sent) + 1 : 0, 1);
  return Math.min(counted, field.max);
}

const dateParts = ['day', 'month', 'year'] as const;

/**
 * A GOV.UK date input's three boxes as YYYY-MM-DD: undefined when all are empty, a
 * problem when some are, or the date is not real. Checks the shape only: whether the
 * date suits the case is the chart's to say.
 */
function readDate(body: FormBody, path: (string | number)[], label: string): { value?: string; problem?: ReadProblem } {
  const name = htmlName(path);
  const given = Object.fromEntries(dateParts.map((p) => [p, one(body, `${name}-${p}`).trim()])) as Record<(typeof dateParts)[number], string>;
  const problem = (text: string, part = 'day') => ({ problem: { path: path.join('.'), id: `${htmlId(path)}-${part}`, text } });
  const missing = dateParts.filter((p) => !given[p]);
  if (missing.length === 3) return {};
  if (missing.length) return problem(`${label} must include a ${missing.join(' and ')}`, missing[0]);
  if (!/^\d{1,2}$/.test(given.day) || !/^\d{1,2}$/.test(given.month) || !/^\d{4}$/.test(given.year)) return problem(`${label} must be a real date`);
  const [y, m, d] = [Number(given.year), Number(given.month), Number(given.day)];
  const real = new Date(Date.UTC(y, m - 1, d));
  if (real.getUTCFullYear() !== y || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) return problem(`${label} must be a real date`);
  return { value: real.toISOString().slice(0, 10) };
}

/** A date and a time (hour, minute) on London's clocks, as an ISO instant with its offset. */
function readDateTime(body: FormBody, path: (string | number)[], label: string): { value?: string; problem?: ReadProblem } {
  const date = readDate(body, path, label);
  const name = htmlName(path);
  const [hour, minute] = [one(body, `${name}-hour`).trim(), one(body, `${name}-minute`).trim()];
  if (date.problem) return date;
  if (!date.value) return hour || minute ? { problem: { path: path.join('.'), id: `${htmlId(path)}-day`, text: `${label} must include a date` } } : {};
  const time = { path: path.join('.'), id: `${htmlId(path)}-hour`, text: `${label} must include a time, for example 10 and 30 for 10:30am, or 14 and 0 for 2pm` };
  if (!/^\d{1,2}$/.test(hour) || !/^\d{1,2}$/.test(minute || '0')) return { problem: time };
  const [h, m] = [Number(hour), Number(minute || '0')];
  if (h > 23 || m > 59) return { problem: time };
  return { value: londonInstant(date.value, h, m) };
}

/**
 * The payload a form's fields describe, from the posted body: text trimmed, empty
 * optional fields left out, dates as ISO, lists without their empty rows.
 * Whether the values are acceptable is for the event's schema and the chart.
 */
export interface ReadForm {
  payload: Record<string, unknown>;
  problems: ReadProblem[];
  /** For each list, the form row behind each payload item (empty rows are left out of the payload). */
  rowsOf: Record<string, number[]>;
}

export function readFields(fields: Field[], body: FormBody): ReadForm {
  const problems: ReadProblem[] = [];
  const rowsOf: Record<string, number[]> = {};
  const read = (list: Field[], prefix: (string | number)[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of list) {
      const path = [...prefix, field.name];
      const name = htmlName(path);
      switch (field.kind) {
        case 'text':
        case 'email':
        case 'textarea':
        case 'hidden': {
          const value = one(body, name).trim();
          if (value) out[field.name] = value;
          break;
        }
        case 'password': {
          const value = one(body, name);
          if (value) out[field.name] = value;
          break;
        }
        case 'radios': {
          const value = one(body, name);
          if (value) out[field.name] = field.boolean ? value === 'yes' : value;
          // Only the fields the chosen option reveals are read: a hidden answer is not sent.
          // Own options only: a posted `constructor` must not read Object's.
          const revealed = field.reveals && Object.hasOwn(field.reveals, value) ? field.reveals[value] : undefined;
          if (revealed) Object.assign(out, read(revealed, prefix));
          break;
        }
        case 'checkboxes': {
          const values = many(body, name);
          if (field.asFlags) out[field.name] = Object.fromEntries(values.map((v) => [v, true]));
          else if (values.length) out[field.name] = values;
          break;
        }
        case 'date':
        case 'datetime': {
          const { value, problem } = (field.kind === 'date' ? readDate : readDateTime)(body, path, calledOf(field));
          if (problem) problems.push(problem);
          else if (value) out[field.name] = value;
          break;
        }
        case 'group': {
          const group = read(field.fields, path);
          // A hidden field alone (the information version) does not make a group answered.
          const answered = field.fields.some((f) => f.kind !== 'hidden' && group[f.name] !== undefined);
          if (answered || !field.whenAnswered) out[field.name] = group;
          break;
        }
        case 'list': {
          const rows = Array.from({ length: listRows(body, path, field) }, (_, i) => read(field.fields, [...path, i]));
          // Empty rows are left out; the schema then says if the list needed one.
          const kept = rows.flatMap((r, i) => (Object.keys(r).length > 0 ? [i] : []));
          rowsOf[path.join('.')] = kept;
          if (kept.length) out[field.name] = kept.map((i) => rows[i]);
          break;
        }
      }
    }
    return out;
  };
  return { payload: read(fields, []), problems, rowsOf };
}
